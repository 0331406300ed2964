//! Where `roomkit serve` takes its settings from: `./roomkit.toml` of its working directory when
//! no file is given, the environment over the file, flags over the environment, API tokens from
//! `ROOMKIT_API_TOKENS`; and the log says which file is used, or that there is none.

use std::path::Path;
use std::process::Command;

use reqwest::StatusCode;

use crate::support::Server;

/// The variables `roomkit serve` reads; none is inherited from the test's own environment.
const VARIABLES: [&str; 5] = [
    "ROOMKIT_CONFIG",
    "ROOMKIT_LISTEN",
    "ROOMKIT_PLUGIN_DIR",
    "ROOMKIT_DATA_DIR",
    "ROOMKIT_API_TOKENS",
];

/// `roomkit ARGS` in `dir` with `env` (and none of [`VARIABLES`] otherwise), logging at info.
fn roomkit_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roomkit"));
    command.args(args).current_dir(dir).env("RUST_LOG", "info");
    for variable in VARIABLES {
        command.env_remove(variable);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// `roomkit serve ARGS` started in `dir`; its stderr goes to `dir/stderr.log`.
async fn serve_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    let args: Vec<&str> = ["serve"].into_iter().chain(args.iter().copied()).collect();
    Server::spawn(roomkit_in(dir, &args, env), &dir.join("stderr.log")).await
}

fn stderr_of(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("stderr.log")).unwrap()
}

/// The status of `GET /v1/rooms`, with `token` as bearer if given.
async fn rooms_status(server: &Server, token: Option<&str>) -> StatusCode {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut request = http.get(format!("http://{}/v1/rooms", server.addr));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status()
}

/// Copies the built `name` plugin and the support-desk example's manifest into `dir`.
fn add_plugin(dir: &Path, name: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/support-desk/plugins");
    std::fs::copy(
        example.join(format!("{name}.toml")),
        dir.join(format!("{name}.toml")),
    )
    .unwrap();
    std::fs::copy(
        roomkit_plugin_builds::component(name),
        dir.join(format!("{name}.wasm")),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_config_flag_serve_reads_roomkit_toml_of_its_working_directory_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roomkit.toml"),
        "listen = \"127.0.0.1:0\"\ndata_dir = \"file-data\"\nplugin_dir = \"file-plugins\"\n\
         [api]\ntokens = [\"file-token\"]\n",
    )
    .unwrap();
    add_plugin(&dir.path().join("file-plugins"), "profanity-filter");
    let server = serve_in(dir.path(), &[], &[]).await;

    assert_eq!(
        server.stdout(),
        [
            "plugin profanity-filter (hook) loaded".to_owned(),
            format!("roomkit listening on http://{}", server.addr)
        ]
    );
    assert!(dir.path().join("file-data/store").is_dir());
    assert_eq!(rooms_status(&server, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        rooms_status(&server, Some("file-token")).await,
        StatusCode::OK
    );
    let stderr = stderr_of(dir.path());
    assert!(
        stderr.contains(
            "configuration file (found in the working directory; no --config given) \
             file=./roomkit.toml"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("no configuration file"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_any_file_serve_runs_on_the_defaults_and_warns_that_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve_in(dir.path(), &[], &[("ROOMKIT_LISTEN", "127.0.0.1:0")]).await;

    assert_eq!(
        server.stdout(),
        [format!("roomkit listening on http://{}", server.addr)]
    );
    assert!(
        dir.path().join("data/store").is_dir(),
        "the default data_dir"
    );
    assert!(
        dir.path().join("plugins").is_dir(),
        "the default plugin_dir"
    );
    assert_eq!(rooms_status(&server, None).await, StatusCode::OK, "open");
    let stderr = stderr_of(dir.path());
    let warning = stderr
        .lines()
        .find(|line| line.contains("no configuration file"))
        .unwrap_or_else(|| panic!("no word on the missing file: {stderr}"));
    assert!(warning.contains(" WARN "), "{warning}");
    assert!(
        warning.contains(
            "no configuration file (no --config, no ROOMKIT_CONFIG and no ./roomkit.toml)"
        ),
        "{warning}"
    );
    assert!(
        stderr.contains("no API token configured: the API is open"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_overrides_the_file_and_flags_override_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    // A port the host must not take: the environment's 127.0.0.1:0 wins.
    std::fs::write(
        dir.path().join("settings.toml"),
        "listen = \"127.0.0.1:9\"\ndata_dir = \"file-data\"\nplugin_dir = \"file-plugins\"\n\
         [api]\ntokens = [\"file-token\"]\n",
    )
    .unwrap();
    add_plugin(&dir.path().join("env-plugins"), "pii-redactor");
    add_plugin(&dir.path().join("flag-plugins"), "profanity-filter");
    let server = serve_in(
        dir.path(),
        &["--plugin-dir", &at("flag-plugins")],
        &[
            ("ROOMKIT_CONFIG", "settings.toml"),
            ("ROOMKIT_LISTEN", "127.0.0.1:0"),
            ("ROOMKIT_PLUGIN_DIR", &at("env-plugins")),
            ("ROOMKIT_DATA_DIR", &at("env-data")),
            ("ROOMKIT_API_TOKENS", " env-one, env-two "),
        ],
    )
    .await;

    assert_ne!(server.addr.port(), 9);
    assert_eq!(
        server.stdout(),
        [
            "plugin profanity-filter (hook) loaded".to_owned(),
            format!("roomkit listening on http://{}", server.addr)
        ],
        "the flag's plugin directory"
    );
    assert!(dir.path().join("env-data/store").is_dir());
    assert!(!dir.path().join("file-data").exists());
    assert!(!dir.path().join("file-plugins").exists());
    assert_eq!(
        rooms_status(&server, Some("file-token")).await,
        StatusCode::UNAUTHORIZED,
        "the environment's tokens replace the file's"
    );
    assert_eq!(rooms_status(&server, Some("env-one")).await, StatusCode::OK);
    assert_eq!(rooms_status(&server, Some("env-two")).await, StatusCode::OK);
    let stderr = stderr_of(dir.path());
    assert!(
        stderr.contains("configuration file file=settings.toml"),
        "{stderr}"
    );
    assert!(
        stderr.contains("API tokens from ROOMKIT_API_TOKENS (replacing [api] tokens) count=2"),
        "{stderr}"
    );
    assert!(!stderr.contains("env-one"), "a token was logged: {stderr}");
}

#[test]
fn an_empty_token_in_the_environment_stops_serve_with_the_reason_and_not_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let output = roomkit_in(
        dir.path(),
        &["serve", "--listen", "127.0.0.1:0"],
        &[("ROOMKIT_API_TOKENS", "secret-one,,secret-two")],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ROOMKIT_API_TOKENS holds an empty token"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).is_empty());
}
