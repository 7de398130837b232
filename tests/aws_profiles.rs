//! The AWS CLI's profiles, which `object_store` does not read: recon signs an S3 side's requests with the
//! static keys of `AWS_PROFILE` from `~/.aws/credentials`, in the region and at the endpoint `~/.aws/config`
//! gives it (a temporary HOME here); a profile without static keys, or none of that name, is exit 2 saying
//! what to do.

use crate::object_stores::{Moto, Proxy, ORDERS};
use crate::util::{path, recon_with, scratch, Run};

const KEY_ID: &str = "AKIDPROFILE0001";
const SECRET: &str = "profile-secret-91c2";

/// `recon ARGS` with HOME holding `credentials` and `config` as its `.aws` files, and `AWS_PROFILE=profile`.
fn recon_as(profile: &str, credentials: &str, config: &str, args: &[&str]) -> Run {
    let home = scratch();
    std::fs::create_dir(home.path().join(".aws")).expect("~/.aws");
    std::fs::write(home.path().join(".aws/credentials"), credentials).expect("credentials");
    std::fs::write(home.path().join(".aws/config"), config).expect("config");
    recon_with(args, &[("HOME", path(home.path())), ("AWS_PROFILE", profile)])
}

#[test]
#[cfg_attr(not(recon_moto), ignore = "needs moto_server: pip install 'moto[server]', set RECON_TEST_MOTO=1")]
fn an_s3_side_is_signed_with_the_named_profiles_keys_in_its_region() {
    let moto = Moto::start(&[]);
    moto.upload(&ORDERS);
    let proxy = Proxy::start(moto.port);
    let credentials = format!(
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = other\n\n\
         [migration]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    );
    let config = format!("[profile migration]\nregion = eu-west-3\nendpoint_url = {}\n", proxy.address);
    let args = [
        "diff",
        "s3://recon/fixtures/orders/legacy.parquet",
        "fixtures/orders/new/",
        "--key",
        "order_id",
        "--source-storage-option",
        "allow_http=true",
        "--format",
        "json",
    ];
    let run = recon_as("migration", &credentials, &config, &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["matched"], 33);
    let requests = proxy.requests();
    assert!(requests.contains(&format!("Credential={KEY_ID}/")), "{requests}");
    assert!(requests.contains("/eu-west-3/s3/aws4_request"), "{requests}");
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
}

#[test]
fn a_profile_without_static_keys_or_without_a_section_is_exit_2_saying_what_to_do() {
    let args = ["diff", "s3://recon/orders.parquet", "fixtures/orders/legacy.parquet", "--key", "order_id"];
    let sso = "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n";
    let run = recon_as("corp", "", sso, &args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("AWS_PROFILE=corp: the profile has no static keys")
            && run.stderr.contains("aws configure export-credentials --profile corp --format env"),
        "{}",
        run.stderr
    );
    let run = recon_as("nobody", "[default]\naws_access_key_id = A\naws_secret_access_key = B\n", sso, &args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("AWS_PROFILE=nobody: no such profile"), "{}", run.stderr);
}
