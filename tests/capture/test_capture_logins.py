"""The clear-text login parsers report each login once: with the server's answer when it came,
as sent when the dialogue ends unanswered, never a login the client replaced before any answer."""

from workbench.capture import logins


def _run(parser, lines: list[tuple[bool, bytes]]) -> list[tuple]:
    found: list[tuple] = []
    chunks = [(from_client, number, line + b"\r\n") for number, (from_client, line) in enumerate(lines, 1)]
    if parser is logins.ftp:
        parser(chunks, lambda *login: found.append(login), lambda *download: None)
    else:
        parser(chunks, lambda *login: found.append(login))
    return found


def test_ftp_login_answered_rejected_then_accepted():
    found = _run(
        logins.ftp,
        [
            (True, b"USER bob"),
            (True, b"PASS wrong"),
            (False, b"530 Login incorrect"),
            (True, b"USER bob"),
            (True, b"PASS hunter2"),
            (False, b"230 Logged in"),
        ],
    )
    assert found == [
        ("ftp", "bob", "wrong", [1, 2], "FTP login, rejected"),
        ("ftp", "bob", "hunter2", [4, 5], "FTP login, accepted"),
    ]


def test_ftp_anonymous_login_unanswered_is_reported_as_sent():
    found = _run(logins.ftp, [(True, b"USER anonymous"), (True, b"PASS guest@")])
    assert found == [("ftp", "anonymous", "guest@", [1, 2], "anonymous login")]


def test_pop3_replaced_login_is_not_reported_and_an_answer_without_login_is_ignored():
    found = _run(
        logins.pop3,
        [
            (False, b"+OK POP3 ready"),
            (True, b"USER bob"),
            (True, b"PASS first"),
            (True, b"APOP alice 0123abcd"),
            (False, b"-ERR denied"),
        ],
    )
    assert found == [("pop3", "alice", "0123abcd", [4], "POP3 APOP (digest), rejected")]


def test_smtp_undecodable_plain_keeps_the_login_before():
    found = _run(
        logins.smtp,
        [
            (True, b"AUTH LOGIN"),
            (True, b"dXNlcg=="),  # user
            (True, b"c2VjcmV0"),  # secret
            (True, b"AUTH PLAIN !!not-base64"),
            (False, b"535 authentication failed"),
        ],
    )
    assert found == [("smtp", "user", "secret", [1, 3, 2], "SMTP AUTH LOGIN, rejected")]
