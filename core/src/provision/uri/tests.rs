use super::*;

fn ok(uri: &str) -> Account {
    parse(uri).unwrap_or_else(|e| panic!("{uri}: {e}"))
}

#[test]
fn minimal_totp_has_defaults() {
    let a = ok("otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example");
    assert_eq!(a.issuer, "Example");
    assert_eq!(a.name, "alice@google.com");
    assert_eq!(
        a.params.kind,
        OtpKind::Totp {
            period: Period::THIRTY
        }
    );
    assert_eq!(a.params.algorithm, Algorithm::Sha1);
    assert_eq!(a.params.digits, Digits::SIX);
}

#[test]
fn issuer_rule() {
    // Parameter and prefix agree (any case): the prefix is removed.
    let a = ok("otpauth://totp/github:alice?secret=JBSWY3DP&issuer=GitHub");
    assert_eq!((a.issuer.as_str(), a.name.as_str()), ("GitHub", "alice"));
    // They disagree: the parameter wins and the label stays whole.
    let a = ok("otpauth://totp/ACME:alice?secret=JBSWY3DP&issuer=ACME%20Co");
    assert_eq!(
        (a.issuer.as_str(), a.name.as_str()),
        ("ACME Co", "ACME:alice")
    );
    // No parameter: the text before the first colon.
    let a = ok("otpauth://totp/Matrix:@alice:matrix.org?secret=JBSWY3DP");
    assert_eq!(
        (a.issuer.as_str(), a.name.as_str()),
        ("Matrix", "@alice:matrix.org")
    );
    // Encoded colon and many spaces.
    let a = ok("otpauth://totp/Example%3A%20%20%20%20alice?secret=JBSWY3DP");
    assert_eq!((a.issuer.as_str(), a.name.as_str()), ("Example", "alice"));
    // Empty label.
    let a = ok("otpauth://totp/?secret=JBSWY3DP&issuer=Example");
    assert_eq!((a.issuer.as_str(), a.name.as_str()), ("Example", ""));
    let a = ok("otpauth://totp?secret=JBSWY3DP");
    assert_eq!((a.issuer.as_str(), a.name.as_str()), ("", ""));
}

#[test]
fn errors_name_the_field_and_never_the_secret() {
    let cases = [
        ("http://example.com", "scheme"),
        ("JBSWY3DPEHPK3PXP", "scheme"),
        ("otpauth://motp/x?secret=JBSWY3DP", "type"),
        ("otpauth://totp/x?issuer=a", "secret"),
        ("otpauth://totp/x?secret=", "secret"),
        ("otpauth://totp/x?secret=JBSWY3DP1", "secret"),
        (
            "otpauth://totp/x?secret=JBSWY3DP&algorithm=SHA-1",
            "algorithm",
        ),
        (
            "otpauth://totp/x?secret=JBSWY3DP&algorithm=MD5",
            "algorithm",
        ),
        ("otpauth://totp/x?secret=JBSWY3DP&digits=0", "digits"),
        ("otpauth://totp/x?secret=JBSWY3DP&digits=11", "digits"),
        ("otpauth://totp/x?secret=JBSWY3DP&digits=six", "digits"),
        ("otpauth://totp/x?secret=JBSWY3DP&period=0", "period"),
        ("otpauth://totp/x?secret=JBSWY3DP&period=-30", "period"),
        ("otpauth://hotp/x?secret=JBSWY3DP", "counter"),
        ("otpauth://hotp/x?secret=JBSWY3DP&counter=-1", "counter"),
        ("otpauth://totp/x?secret=JBSWY3DP&secret=KRSXG5CT", "secret"),
        ("otpauth://totp/%FF?secret=JBSWY3DP", "label"),
    ];
    for (uri, field) in cases {
        let err = parse(uri).expect_err(uri);
        assert_eq!(err.field(), field, "{uri}: {err}");
        let message = err.to_string();
        assert!(message.starts_with(field), "{uri}: {message}");
        for secret in ["JBSWY3DP", "KRSXG5CT"] {
            assert!(!message.contains(secret), "{uri}: {message}");
        }
    }
}

#[test]
fn format_parses_back() {
    for uri in [
        "otpauth://totp/Example:alice?secret=JBSWY3DP&issuer=Example",
        "otpauth://hotp/Example:alice?secret=JBSWY3DP&issuer=Example&counter=42&digits=8",
        "otpauth://steam/Steam:bob?secret=JBSWY3DP",
        "otpauth://totp/:a:b?secret=JBSWY3DP",
        "otpauth://totp/%E2%9C%85%20%E6%97%A5%E6%9C%AC:%F0%9F%98%80?secret=JBSWY3DP&period=60&algorithm=SHA512",
    ] {
        let a = ok(uri);
        let again = ok(format(&a).expose());
        assert_eq!(a, again, "{uri}");
    }
}

#[test]
fn plus_in_the_secret_is_a_space() {
    // `+` means a space in every parameter value, the secret included; keytext
    // then ignores the spaces of a grouped key.
    let grouped = ok("otpauth://totp/x?secret=jbsw+y3dp+ehpk+3pxp");
    let plain = ok("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP");
    assert_eq!(grouped.params.secret, plain.params.secret);
}

#[test]
fn white_space_before_the_issuer_colon() {
    let a =
        ok("otpauth://totp/Example%20Website%20%3Aalice?secret=JBSWY3DP&issuer=Example%20Website");
    assert_eq!(
        (a.issuer.as_str(), a.name.as_str()),
        ("Example Website", "alice")
    );
    // The same label without the parameter splits the same way.
    let b = ok("otpauth://totp/Example%20Website%20%3Aalice?secret=JBSWY3DP");
    assert_eq!((b.issuer, b.name), (a.issuer, a.name));
}

#[test]
fn the_type_is_checked_before_the_secret() {
    // privacyIDEA's push enrolment URI has no secret: "type" is the answer.
    let err = parse("otpauth://pipush/PIPU0001?url=http%3A//127.0.0.1/ttype/push&ttl=10")
        .expect_err("pipush");
    assert_eq!(err.field(), "type");
    assert!(err.to_string().contains("pipush"), "{err}");
    // A long word where the type goes may be a key pasted in the wrong place:
    // it is not shown.
    let err = parse("otpauth://JBSWY3DPEHPK3PXPJBSW/x?secret=KRSXG5CT").expect_err("long type");
    assert_eq!(err.field(), "type");
    assert!(!err.to_string().contains("JBSWY3DP"), "{err}");
}
