//! The `fake_hubspot` example as people run it: `--help`, refusals of bad flags and values
//! (status 2 and a message), and a started fake that prints what to export and applies its
//! fault and catalog flags.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use workspace_tests::workspace_root as root;

use serde_json::json;

/// Runs the program to its end, at most 20 s: a flag that should be refused but is not
/// starts a fake that serves forever, which must fail the test rather than hang it.
fn run(args: &[&str]) -> Output {
    let spawned = Command::new(workspace_tests::example_binary("fake_hubspot"))
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => panic!("cannot run fake_hubspot: {error}"),
    };
    let started = Instant::now();
    while matches!(child.try_wait(), Ok(None)) {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("fake_hubspot {args:?} is still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    match child.wait_with_output() {
        Ok(output) => output,
        Err(error) => panic!("fake_hubspot {args:?}: {error}"),
    }
}

#[test]
fn help_lists_every_flag_on_stdout() {
    let output = run(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--budget",
        "--search-budget",
        "--daily",
        "--time-scale",
        "--unlimited",
        "--429",
        "--5xx",
        "--reset",
        "--lost",
        "--slow",
        "--seed",
        "--unique",
        "--catalog",
        "--reject",
        "--port",
        "HUBSPOT_BASE_URL",
    ] {
        assert!(
            help.contains(flag),
            "--help does not mention {flag}:\n{help}"
        );
    }
    assert!(output.stderr.is_empty());
}

#[test]
fn bad_flags_and_values_exit_2_with_a_message() {
    for (args, said) in [
        (&["--bogus"][..], "unknown flag --bogus"),
        (&["--budget"][..], "--budget needs a value"),
        (&["--budget", "many"][..], "--budget: cannot read \"many\""),
        (&["--429", "1.5"][..], "--429: \"1.5\" is not a share"),
        (&["--5xx", "0.1:404"][..], "404 is not a 5xx status"),
        (&["--slow", "0.1:soon"][..], "--slow: cannot read \"soon\""),
        (&["--429", "0.6", "--lost", "0.6"][..], "add up to"),
        (&["--time-scale", "0"][..], "not a positive number"),
        (&["--unique", "orders"][..], "not OBJECT_TYPE:VALUE"),
        (
            &["--catalog", "orders:no/such/file.json"][..],
            "cannot read no/such/file.json",
        ),
        (&["--catalog", "orders:Cargo.toml"][..], "property catalog"),
        (&["stray"][..], "unexpected argument"),
    ] {
        let output = run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

/// A running fake: the child and the base URL and token it printed.
struct Running {
    child: Child,
    base_url: String,
    token: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> Running {
    let spawned = Command::new(workspace_tests::example_binary("fake_hubspot"))
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) => panic!("cannot start fake_hubspot: {error}"),
    };
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let mut exported = |name: &str| {
        let line = lines.next().and_then(Result::ok).unwrap_or_default();
        match line.strip_prefix(&format!("export {name}=")) {
            Some(value) => value.to_owned(),
            None => panic!("expected `export {name}=…`, got {line:?}"),
        }
    };
    let base_url = exported("HUBSPOT_BASE_URL");
    let token = exported("HUBSPOT_TOKEN");
    Running {
        child,
        base_url,
        token,
    }
}

async fn create(fake: &Running, properties: serde_json::Value) -> u16 {
    let answer = reqwest::Client::new()
        .post(format!("{}/crm/v3/objects/orders", fake.base_url))
        .bearer_auth(&fake.token)
        .header("content-type", "application/json")
        .body(json!({ "properties": properties }).to_string())
        .send()
        .await;
    match answer {
        Ok(answer) => answer.status().as_u16(),
        Err(error) => panic!("{error}"),
    }
}

#[tokio::test]
async fn a_started_fake_checks_its_catalog_and_injects_its_faults() {
    let fake = start(&[
        "--catalog",
        "orders:spec/orders-properties.json",
        "--token",
        "t-1",
    ]);
    assert_eq!(fake.token, "t-1");
    assert_eq!(create(&fake, json!({"hs_currency_code": "JPY"})).await, 400);
    assert_eq!(create(&fake, json!({"hs_currency_code": "EUR"})).await, 201);

    let failing = start(&["--5xx", "1:502", "--seed", "7"]);
    assert_eq!(create(&failing, json!({})).await, 502);
    let limited = start(&["--429", "1"]);
    assert_eq!(create(&limited, json!({})).await, 429);
}
