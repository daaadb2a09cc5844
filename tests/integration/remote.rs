//! The remote diagnosis library driven without the command line, as a chat server drives
//! it: start → find → follow → fetch against the stateful fake GitHub API, with the typed
//! events the observer saw and the typed outcome of each step.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches};
use remote_hands::cli::{Cli, Command};
use remote_hands::config::{GithubConfig, ResultConfig, Vars};
use remote_hands::github::actions::WorkflowInputs;
use remote_hands::github::types::{RunConclusion, RunStatus};
use remote_hands::remote::{
    Budget, Cancel, Event, FollowEnd, Found, GaveUp, NoRun, NoRunWhy, Refusal, Remote, RemoteError,
    RunLink, RunSearch, Source, Started, Trigger,
};
use uuid::Uuid;

use crate::support::dispatch::{healthy_run, scenario_with_artifact};
use crate::support::github::{
    ArtifactKind, Canned, DispatchDetails, FakeGithub, RUN_ID, Scenario, TOKEN,
};

/// The correlation ID of the report the simulated runs carry.
const CID: &str = "8d7e2c4a-3b1f-4e5d-9a6c-0f1e2d3c4b5a";
/// Another request's.
const OTHER: &str = "11111111-2222-4333-8444-000000000000";

fn cid() -> Uuid {
    Uuid::parse_str(CID).unwrap()
}

/// The environment a chat server would run in: a token, time scaled down 100×.
fn env() -> Vars {
    Vars::from_iter([("GITHUB_TOKEN", TOKEN), ("REMOTE_HANDS_TIME_SCALE", "0.01")])
}

/// The validated GitHub configuration for the fake's acme/site.
fn config(gh: &FakeGithub) -> GithubConfig {
    let api = gh.api_url();
    let argv = ["remote-hands", "result", CID, "--repo", "acme/site"];
    let matches = Cli::command()
        .try_get_matches_from(argv.into_iter().chain(["--api-url", &api]))
        .unwrap();
    let Command::Result(args) = Cli::from_arg_matches(&matches).unwrap().command else {
        unreachable!("parsed as result")
    };
    let (_, sub) = matches.subcommand().unwrap();
    ResultConfig::from_args(&args, sub, &env()).unwrap().github
}

/// A library client of the fake, and what its observer saw.
fn connect(gh: &FakeGithub) -> (Remote, Arc<Mutex<Vec<Event>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let remote = Remote::connect(
        &config(gh),
        Arc::new(move |e: &Event| sink.lock().unwrap().push(e.clone())),
    )
    .unwrap();
    (remote, seen)
}

/// The events seen, each run of repeats (a state polled again) as one.
fn events(seen: &Mutex<Vec<Event>>) -> Vec<Event> {
    let mut out: Vec<Event> = seen.lock().unwrap().clone();
    out.dedup();
    out
}

fn budget(remote: &Remote, timeout: u64, queue_timeout: u64) -> Budget {
    Budget::new(
        remote.clock(),
        Duration::from_secs(timeout),
        Duration::from_secs(queue_timeout),
    )
}

fn run_url(gh: &FakeGithub) -> Option<String> {
    Some(format!(
        "http://{}/acme/site/actions/runs/{RUN_ID}",
        gh.addr
    ))
}

/// The states a run of the default scenario goes through, as events.
fn states() -> Vec<Event> {
    vec![
        Event::Queued {
            run: RUN_ID,
            status: RunStatus::Queued,
        },
        Event::InProgress {
            run: RUN_ID,
            status: RunStatus::InProgress,
        },
        Event::Completed {
            run: RUN_ID,
            conclusion: Some(RunConclusion::Success),
        },
    ]
}

/// start → run_of → follow → fetch, within `b`.
async fn diagnose(
    remote: &Remote,
    trigger: Trigger,
    inputs: &WorkflowInputs,
    b: &Budget,
) -> (Started, Found) {
    let started = remote.start(&trigger, inputs, b).await.unwrap();
    let run = remote.run_of(&started, b).await.unwrap();
    let run = match remote.follow(run, b, false).await.unwrap() {
        FollowEnd::Completed(run) => run,
        FollowEnd::TimedOut(t) => panic!("{t}"),
    };
    let expected = started.correlation_id.to_string();
    let found = remote
        .fetch_report(run, &expected, b.deadline)
        .await
        .unwrap();
    (started, found)
}

#[tokio::test]
async fn a_repository_dispatch_is_started_found_followed_and_read() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let (remote, seen) = connect(&gh);
    let b = budget(&remote, 600, 300);
    let inputs = WorkflowInputs::new(cid(), "alice");
    let (started, found) = diagnose(&remote, Trigger::Repository, &inputs, &b).await;

    assert_eq!(started.correlation_id, cid());
    assert_eq!(started.repository.to_string(), "acme/site");
    assert_eq!(started.run, None, "repository_dispatch names no run");
    let mut expected = vec![
        Event::Dispatched {
            correlation_id: cid(),
        },
        Event::Searching {
            correlation_id: cid(),
            dispatched: true,
        },
        Event::RunFound {
            id: RUN_ID,
            url: run_url(&gh),
        },
    ];
    expected.extend(states());
    assert_eq!(events(&seen), expected);
    // The run was looked for more than once (it appears after two listings).
    let searches = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, Event::Searching { .. }))
        .count();
    assert_eq!(searches, 3);

    assert_eq!(found.source, Source::Artifact);
    assert_eq!(found.run.id, RUN_ID);
    assert_eq!(found.run.conclusion, Some(RunConclusion::Success));
    assert_eq!(found.report.correlation_id, CID);
    assert_eq!(found.contradiction, None);
    assert!(found.succeeded());
    assert!(found.warnings().is_empty());
    assert_eq!(gh.count("dispatch"), 1);
}

#[tokio::test]
async fn a_workflow_dispatch_with_run_details_needs_no_search() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let (remote, seen) = connect(&gh);
    let b = budget(&remote, 600, 300);
    let inputs = WorkflowInputs {
        channel_id: Some("123".into()),
        ..WorkflowInputs::new(cid(), "alice")
    };
    let trigger = Trigger::Workflow { git_ref: None };
    let (started, found) = diagnose(&remote, trigger, &inputs, &b).await;

    assert_eq!(
        started.run,
        Some(RunLink {
            id: RUN_ID,
            url: run_url(&gh),
        })
    );
    let mut expected = vec![
        Event::Dispatched {
            correlation_id: cid(),
        },
        Event::RunFound {
            id: RUN_ID,
            url: run_url(&gh),
        },
    ];
    expected.extend(states());
    assert_eq!(events(&seen), expected);
    assert_eq!(gh.count("runs_list"), 0, "searched anyway");
    // The default branch was asked for, the inputs sent as typed.
    assert_eq!(gh.count("repo"), 1);
    let sent = gh
        .requests()
        .into_iter()
        .find(|q| q.path.ends_with("/dispatches"))
        .unwrap()
        .json();
    assert_eq!(sent["ref"], "main");
    assert_eq!(
        sent["inputs"],
        serde_json::json!({"correlation_id": CID, "requester": "alice", "channel_id": "123"})
    );
    assert_eq!(found.source, Source::Artifact);
    assert!(found.succeeded());
}

#[tokio::test]
async fn a_run_still_queued_at_the_queue_timeout_is_given_up_and_cancelled() {
    let gh = FakeGithub::start(Scenario {
        appear_after: 0,
        queued_polls: 10_000,
        ..Scenario::default()
    });
    let (remote, seen) = connect(&gh);
    let b = budget(&remote, 600, 30);
    let inputs = WorkflowInputs::new(cid(), "alice");
    let started = remote
        .start(&Trigger::Repository, &inputs, &b)
        .await
        .unwrap();
    let run = remote.run_of(&started, &b).await.unwrap();
    let t = match remote.follow(run, &b, true).await.unwrap() {
        FollowEnd::TimedOut(t) => t,
        FollowEnd::Completed(run) => panic!("completed: {run:?}"),
    };
    assert_eq!((t.run, t.state), (RUN_ID, RunStatus::Queued));
    assert!(
        matches!(t.why, GaveUp::Queue(d) if d == Duration::from_secs(30)),
        "{t:?}"
    );
    assert!(matches!(t.cancel, Cancel::Cancelled), "{t:?}");
    assert_eq!(
        t.to_string(),
        format!(
            "run {RUN_ID} was still queued after the queue timeout of 30 s; the run was cancelled"
        )
    );
    assert!(gh.cancelled());
    let events = events(&seen);
    assert_eq!(
        events[events.len() - 2..],
        [
            Event::Queued {
                run: RUN_ID,
                status: RunStatus::Queued
            },
            Event::Cancelled { run: RUN_ID },
        ]
    );
}

#[tokio::test]
async fn a_run_still_going_at_the_deadline_is_left_alone_unless_asked() {
    let gh = FakeGithub::start(Scenario {
        in_progress_polls: 10_000,
        ..Scenario::default()
    });
    let (remote, seen) = connect(&gh);
    let b = budget(&remote, 60, 60);
    let inputs = WorkflowInputs::new(cid(), "alice");
    let started = remote
        .start(&Trigger::Repository, &inputs, &b)
        .await
        .unwrap();
    let run = remote.run_of(&started, &b).await.unwrap();
    let FollowEnd::TimedOut(t) = remote.follow(run, &b, false).await.unwrap() else {
        panic!("completed")
    };
    assert_eq!(t.state, RunStatus::InProgress);
    assert!(matches!(t.why, GaveUp::Deadline), "{t:?}");
    assert!(matches!(t.cancel, Cancel::NotAsked), "{t:?}");
    assert!(t.after >= Duration::from_secs(60), "{t:?}");
    assert!(!gh.cancelled());
    assert!(
        !seen
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, Event::Cancelled { .. }))
    );
}

#[tokio::test]
async fn without_the_artifact_the_report_comes_from_the_job_log() {
    let gh = FakeGithub::start(Scenario {
        artifact: ArtifactKind::Missing,
        ..scenario_with_artifact(healthy_run())
    });
    let (remote, seen) = connect(&gh);
    let b = budget(&remote, 600, 300);
    let inputs = WorkflowInputs::new(cid(), "alice");
    let (_, found) = diagnose(&remote, Trigger::Repository, &inputs, &b).await;
    assert_eq!(found.source, Source::Log);
    assert_eq!(found.report.correlation_id, CID);
    assert!(found.succeeded());
    assert_eq!(
        found.warnings(),
        vec!["the report was read from the job log, not from the artifact".to_string()]
    );
    assert_eq!(
        events(&seen).last(),
        Some(&Event::ReadingLog {
            why: "the run has no artifact diagnose-summary".into()
        })
    );
}

#[tokio::test]
async fn a_report_for_another_correlation_id_is_refused() {
    // The run is the one dispatched (its title carries OTHER); its report carries CID.
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    let (remote, _) = connect(&gh);
    let b = budget(&remote, 600, 300);
    let other = Uuid::parse_str(OTHER).unwrap();
    let inputs = WorkflowInputs::new(other, "mallory");
    let started = remote
        .start(&Trigger::Repository, &inputs, &b)
        .await
        .unwrap();
    let run = remote.run_of(&started, &b).await.unwrap();
    let FollowEnd::Completed(run) = remote.follow(run, &b, false).await.unwrap() else {
        panic!("timed out")
    };
    match remote.fetch_report(run, OTHER, b.deadline).await {
        Err(RemoteError::Refused(Refusal::OtherCorrelationId { run, got, expected })) => {
            assert_eq!((run, got.as_str(), expected.as_str()), (RUN_ID, CID, OTHER));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_dispatch_that_may_not_have_arrived_is_confirmed_by_its_run() {
    let gh = FakeGithub::start(scenario_with_artifact(healthy_run()));
    gh.fault_after_effect("dispatch", vec![Canned::new(502, &[], "Bad Gateway")]);
    let (remote, seen) = connect(&gh);
    let b = budget(&remote, 600, 300);
    let inputs = WorkflowInputs::new(cid(), "alice");
    let started = remote
        .start(&Trigger::Repository, &inputs, &b)
        .await
        .unwrap();
    assert_eq!(gh.count("dispatch"), 1, "sent again");
    assert_eq!(
        started.run,
        Some(RunLink {
            id: RUN_ID,
            url: run_url(&gh),
        })
    );
    let events = events(&seen);
    assert_eq!(
        events.first(),
        Some(&Event::DispatchUnsure {
            what: "sending the repository_dispatch event".into(),
            why: "GitHub answered 502 (Bad Gateway)".into(),
            correlation_id: cid(),
            grace: Duration::from_secs(120),
        })
    );
    assert_eq!(
        events.last(),
        Some(&Event::DispatchConfirmed {
            run: RUN_ID,
            correlation_id: cid(),
        })
    );
    assert!(!events.iter().any(|e| matches!(e, Event::Dispatched { .. })));
    // The run found is followed as it was read: no second read before the first poll.
    let run = remote.run_of(&started, &b).await.unwrap();
    assert_eq!(run.id, RUN_ID);
    assert_eq!(gh.count("run"), 0);
}

#[tokio::test]
async fn runs_are_found_by_correlation_id_only() {
    let gh = FakeGithub::start(Scenario {
        details: DispatchDetails::NoContent,
        ..scenario_with_artifact(healthy_run())
    });
    let (remote, seen) = connect(&gh);
    let b = budget(&remote, 600, 300);
    let inputs = WorkflowInputs::new(cid(), "alice");
    remote
        .start(
            &Trigger::Workflow {
                git_ref: Some("main".into()),
            },
            &inputs,
            &b,
        )
        .await
        .unwrap();
    // Not listed yet, and not waited for.
    let search = RunSearch::Recent { wait: false };
    match remote.find_run(cid(), &search, b.deadline).await {
        Err(RemoteError::NoRun(NoRun { why, .. })) => {
            assert_eq!(why, NoRunWhy::NotListed { waited: false })
        }
        other => panic!("{other:?}"),
    }
    // Waited for: it appears. A run whose ID merely starts like ours is not it.
    let search = RunSearch::Recent { wait: true };
    let run = remote.find_run(cid(), &search, b.deadline).await.unwrap();
    assert_eq!(run.id, RUN_ID);
    assert_eq!(remote.diagnosis(&run, &["workflow_dispatch"]).unwrap(), CID);
    assert!(matches!(
        seen.lock().unwrap().last(),
        Some(Event::Searching {
            dispatched: false,
            ..
        })
    ));
}
