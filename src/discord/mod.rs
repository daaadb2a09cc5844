//! The Discord side of remote-hands: the pieces the interactions endpoint and the
//! command registration stand on. [`verify`] checks Discord's signature on each request,
//! [`interaction`] reads the interactions and writes the answers, [`commands`] defines
//! `/diagnose` and `/verify-latest`, and [`api`] speaks to Discord's REST API
//! (registering the commands, editing an interaction's answer, posting to a channel);
//! [`post`] posts a report to the channel or thread a diagnosis was asked from.

pub mod api;
pub mod commands;
pub mod interaction;
pub mod post;
pub mod serve;
pub mod verify;
