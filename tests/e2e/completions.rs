//! `roomkit completions SHELL`: a completion script on stdout for each shell clap_complete
//! knows, and a usage error for any other.

use std::process::Command;

#[test]
fn completions_are_printed_for_each_shell_and_an_unknown_shell_is_refused() {
    let completions = |shell: &str| {
        Command::new(env!("CARGO_BIN_EXE_roomkit"))
            .args(["completions", shell])
            .output()
    };
    let bash = completions("bash").unwrap();
    assert!(bash.status.success());
    let bash = String::from_utf8(bash.stdout).unwrap();
    assert!(bash.contains("_roomkit() {"), "{bash}");
    assert!(bash.contains("serve"), "{bash}");
    assert!(bash.contains("--plugin-dir"), "{bash}");
    let zsh = String::from_utf8(completions("zsh").unwrap().stdout).unwrap();
    assert!(zsh.starts_with("#compdef roomkit"), "{zsh}");
    let fish = String::from_utf8(completions("fish").unwrap().stdout).unwrap();
    assert!(
        fish.contains("complete -c roomkit -n \"__fish_roomkit_needs_command\""),
        "{fish}"
    );
    assert!(fish.contains("-a \"serve\""), "{fish}");

    let refused = completions("tcsh").unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("invalid value 'tcsh' for '<SHELL>'"),
        "{stderr}"
    );
    assert!(refused.stdout.is_empty());
}
