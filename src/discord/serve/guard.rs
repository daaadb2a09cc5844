//! Who may start a diagnosis, and when: the guard decides each `/diagnose`, in this order,
//! and stops at the first refusal. The allowlists (servers, channels, roles, users: a
//! list that is empty does not restrict, every list that is set must let the request
//! through), the per-user rate limit (a keyed `governor` limiter on the requester's ID:
//! so many per period, the burst refilling evenly), the URL overrides (each an http(s)
//! URL whose host is on the allowed hosts, as `check --allowed-hosts` rules; with no
//! allowed hosts, no override is taken), and how many diagnoses are running. A refusal
//! says why in words the requester can act on.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::discord::interaction::Snowflake;
use crate::policy::UrlPolicy;

/// At most `count` diagnoses per requester in each `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub count: NonZeroU32,
    pub per: Duration,
}

impl RateLimit {
    /// One a minute.
    pub const DEFAULT: RateLimit = RateLimit {
        count: NonZeroU32::MIN,
        per: Duration::from_secs(60),
    };

    /// The limiter's quota: `count` at once, one more every `per / count`.
    fn quota(&self) -> Option<Quota> {
        Quota::with_period(self.per / self.count.get()).map(|q| q.allow_burst(self.count))
    }
}

/// Which requests may come through: a list that is empty does not restrict; with every
/// list empty, only `everyone` lets anything through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    pub guilds: Vec<Snowflake>,
    pub channels: Vec<Snowflake>,
    pub roles: Vec<Snowflake>,
    pub users: Vec<Snowflake>,
    pub everyone: bool,
}

impl Access {
    /// True when no list restricts anything (then only `everyone` lets anyone in).
    pub fn is_open(&self) -> bool {
        !self.restricts()
    }

    fn restricts(&self) -> bool {
        !(self.guilds.is_empty()
            && self.channels.is_empty()
            && self.roles.is_empty()
            && self.users.is_empty())
    }
}

/// Who asked, and where.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub user: Snowflake,
    pub guild: Option<Snowflake>,
    pub channel: Option<Snowflake>,
    pub roles: &'a [Snowflake],
}

/// Why a request was refused; the words are shown to the requester.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("diagnoses cannot be started from this {0} (it is not on this server's allowlist)")]
    NotAllowed(&'static str),
    #[error("you need one of the roles allowed to start diagnoses")]
    NoAllowedRole,
    #[error("you have started diagnoses too often; try again in {} s", .wait.as_secs().max(1))]
    RateLimited { wait: Duration },
    #[error("option {option} is refused: {why}")]
    Override { option: &'static str, why: String },
    #[error(
        "{max} diagnoses are already running, the most this server runs at once; try again when one has finished"
    )]
    TooMany { max: usize },
}

/// What the guard checks a request against.
pub struct Guard {
    access: Access,
    limiter: DefaultKeyedRateLimiter<Snowflake>,
    hosts: UrlPolicy,
    max_running: usize,
}

/// The users kept by the rate limiter before the idle ones are forgotten.
const TRACKED_USERS: usize = 10_000;

impl Guard {
    /// `None` when the rate limit's period is zero.
    pub fn new(
        access: Access,
        rate: RateLimit,
        hosts: UrlPolicy,
        max_running: usize,
    ) -> Option<Guard> {
        Some(Guard {
            access,
            limiter: RateLimiter::keyed(rate.quota()?),
            hosts,
            max_running,
        })
    }

    /// Decides a request with these URL overrides (option name, value), while `running`
    /// diagnoses are under way. An accepted request counts against its requester's rate.
    pub fn decide(
        &self,
        caller: &Caller<'_>,
        overrides: &[(&'static str, &str)],
        running: usize,
    ) -> Result<(), Refusal> {
        self.allowed(caller)?;
        self.rate(caller.user)?;
        for (option, value) in overrides {
            self.url(option, value)?;
        }
        if running >= self.max_running {
            return Err(Refusal::TooMany {
                max: self.max_running,
            });
        }
        Ok(())
    }

    fn allowed(&self, caller: &Caller<'_>) -> Result<(), Refusal> {
        let a = &self.access;
        if !a.restricts() {
            return if a.everyone {
                Ok(())
            } else {
                Err(Refusal::NotAllowed("server"))
            };
        }
        let listed = |list: &[Snowflake], id: Option<Snowflake>| {
            list.is_empty() || id.is_some_and(|id| list.contains(&id))
        };
        if !listed(&a.guilds, caller.guild) {
            return Err(Refusal::NotAllowed("server"));
        }
        if !listed(&a.channels, caller.channel) {
            return Err(Refusal::NotAllowed("channel"));
        }
        if !a.roles.is_empty() && !caller.roles.iter().any(|r| a.roles.contains(r)) {
            return Err(Refusal::NoAllowedRole);
        }
        if !listed(&a.users, Some(caller.user)) {
            return Err(Refusal::NotAllowed("account"));
        }
        Ok(())
    }

    fn rate(&self, user: Snowflake) -> Result<(), Refusal> {
        if self.limiter.len() > TRACKED_USERS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&user).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Refusal::RateLimited { wait }
        })
    }

    fn url(&self, option: &'static str, value: &str) -> Result<(), Refusal> {
        let refused = |why: String| Refusal::Override { option, why };
        if !self.hosts.is_active() {
            return Err(refused(
                "this server accepts no URL overrides (no allowed hosts are set)".into(),
            ));
        }
        let url = crate::config::parse_http_url(option, value).map_err(|e| refused(e.message))?;
        self.hosts.check_url(&url).map_err(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> Snowflake {
        Snowflake::from(n)
    }

    fn guard(access: Access) -> Guard {
        let hosts = UrlPolicy {
            allowed_hosts: UrlPolicy::parse_hosts("app.example.com, *.example.org").unwrap(),
            allow_private: false,
        };
        let rate = RateLimit {
            count: NonZeroU32::new(100).unwrap(),
            per: Duration::from_secs(60),
        };
        Guard::new(access, rate, hosts, 2).unwrap()
    }

    fn caller(user: u64, guild: Option<u64>, channel: u64, roles: &[Snowflake]) -> Caller<'_> {
        Caller {
            user: id(user),
            guild: guild.map(id),
            channel: Some(id(channel)),
            roles,
        }
    }

    #[test]
    fn every_allowlist_that_is_set_must_let_the_request_through() {
        let g = guard(Access {
            guilds: vec![id(10)],
            channels: vec![id(20), id(21)],
            roles: vec![id(30)],
            ..Access::default()
        });
        let ok = [id(99), id(30)];
        assert_eq!(g.decide(&caller(1, Some(10), 21, &ok), &[], 0), Ok(()));
        let refused = |c: Caller<'_>| g.decide(&c, &[], 0).unwrap_err();
        assert_eq!(
            refused(caller(1, Some(11), 21, &ok)),
            Refusal::NotAllowed("server")
        );
        // A DM has no server: refused when servers are listed.
        assert_eq!(
            refused(caller(1, None, 21, &ok)),
            Refusal::NotAllowed("server")
        );
        assert_eq!(
            refused(caller(1, Some(10), 22, &ok)),
            Refusal::NotAllowed("channel")
        );
        assert_eq!(
            refused(caller(1, Some(10), 20, &[id(99)])),
            Refusal::NoAllowedRole
        );
        let users = guard(Access {
            users: vec![id(1)],
            ..Access::default()
        });
        assert_eq!(users.decide(&caller(1, None, 5, &[]), &[], 0), Ok(()));
        assert_eq!(
            users.decide(&caller(2, None, 5, &[]), &[], 0),
            Err(Refusal::NotAllowed("account"))
        );
    }

    #[test]
    fn no_allowlist_lets_nobody_through_unless_everyone_is_allowed() {
        let closed = guard(Access::default());
        assert_eq!(
            closed.decide(&caller(1, Some(10), 20, &[]), &[], 0),
            Err(Refusal::NotAllowed("server"))
        );
        let open = guard(Access {
            everyone: true,
            ..Access::default()
        });
        assert_eq!(open.decide(&caller(1, None, 20, &[]), &[], 0), Ok(()));
    }

    #[test]
    fn each_requester_has_their_own_rate() {
        let rate = RateLimit::DEFAULT;
        let open = Access {
            everyone: true,
            ..Access::default()
        };
        let g = Guard::new(open, rate, UrlPolicy::default(), 10).unwrap();
        let alice = caller(1, None, 20, &[]);
        assert_eq!(g.decide(&alice, &[], 0), Ok(()));
        let Err(Refusal::RateLimited { wait }) = g.decide(&alice, &[], 0) else {
            panic!("the second request within the minute is refused")
        };
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(
            Refusal::RateLimited { wait }
                .to_string()
                .contains("try again in")
        );
        // Another requester is not held back by the first.
        assert_eq!(g.decide(&caller(2, None, 20, &[]), &[], 0), Ok(()));
        let two = RateLimit {
            count: NonZeroU32::new(2).unwrap(),
            per: Duration::from_secs(60),
        };
        let open = Access {
            everyone: true,
            ..Access::default()
        };
        let g = Guard::new(open, two, UrlPolicy::default(), 10).unwrap();
        assert!(g.decide(&alice, &[], 0).is_ok() && g.decide(&alice, &[], 0).is_ok());
        assert!(g.decide(&alice, &[], 0).is_err());
        let zero = RateLimit {
            count: NonZeroU32::MIN,
            per: Duration::ZERO,
        };
        assert!(Guard::new(Access::default(), zero, UrlPolicy::default(), 1).is_none());
    }

    #[test]
    fn url_overrides_must_be_on_the_allowed_hosts() {
        let g = guard(Access {
            everyone: true,
            ..Access::default()
        });
        let c = caller(1, None, 20, &[]);
        let ok = [
            ("frontend_url", "https://app.example.com/"),
            ("api_base", "https://api.example.org/v1"),
        ];
        assert_eq!(g.decide(&c, &ok, 0), Ok(()));
        for (value, why) in [
            ("https://evil.example.net/", "not on the allowlist"),
            ("http://169.254.169.254/", "not on the allowlist"),
            (
                "ftp://app.example.com/",
                "expected an http:// or https:// URL",
            ),
            ("not a url", "is not a valid URL"),
        ] {
            let e = g.decide(&c, &[("api_base", value)], 0).unwrap_err();
            assert!(
                matches!(
                    e,
                    Refusal::Override {
                        option: "api_base",
                        ..
                    }
                ),
                "{e:?}"
            );
            assert!(e.to_string().contains(why), "{value}: {e}");
        }
        // No allowed hosts: no override at all, but a request without one goes through.
        let open = Access {
            everyone: true,
            ..Access::default()
        };
        let g = Guard::new(open, RateLimit::DEFAULT, UrlPolicy::default(), 1).unwrap();
        let e = g.decide(&c, &ok[..1], 0).unwrap_err();
        assert!(e.to_string().contains("accepts no URL overrides"), "{e}");
    }

    #[test]
    fn no_more_than_the_maximum_run_at_once() {
        let g = guard(Access {
            everyone: true,
            ..Access::default()
        });
        assert_eq!(g.decide(&caller(1, None, 20, &[]), &[], 1), Ok(()));
        assert_eq!(
            g.decide(&caller(2, None, 20, &[]), &[], 2),
            Err(Refusal::TooMany { max: 2 })
        );
    }
}
