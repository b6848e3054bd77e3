"""The SCRAM-SHA-256 server side: RFC 7677's own example exchange, several tokens per principal, hostile messages."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from lakemesh.auth.scram import ScramExchange, ScramFailed, TokenVerifier, make_verifier

# RFC 7677, section 3 (user "user", password "pencil").
RFC_SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
RFC_CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
RFC_SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
RFC_CLIENT_FINAL = (
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
)
RFC_SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


class RfcExchange(ScramExchange):
    def _server_nonce(self) -> str:
        return "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"


def test_the_rfc_7677_example_exchange() -> None:
    verifier = make_verifier("pencil", "unused", salt=RFC_SALT)
    exchange = RfcExchange("user", [TokenVerifier("tok_1", verifier)])
    assert exchange.first(RFC_CLIENT_FIRST) == RFC_SERVER_FIRST
    assert exchange.final(RFC_CLIENT_FINAL) == ("tok_1", RFC_SERVER_FINAL)


def _client(secret: str, salt: bytes, exchange: ScramExchange, *, first: str = "n,,n=,r=clientnonce") -> str:
    """What libpq sends (empty user name: the server takes it from the start-up message)."""
    server_first = exchange.first(first)
    nonce = server_first.split(",")[0][2:]
    without_proof = f"c=biws,r={nonce}"
    salted = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, 4096)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    message = f"{first[3:]},{server_first},{without_proof}".encode()
    signature = hmac.new(hashlib.sha256(client_key).digest(), message, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    return f"{without_proof},p={base64.b64encode(proof).decode()}"


def test_any_token_of_the_principal_proves_it_and_the_exchange_names_which() -> None:
    tokens = {f"tok_{i}": make_verifier(f"lm_secret{i}", "prn_1") for i in range(3)}
    candidates = [TokenVerifier(k, v) for k, v in tokens.items()]
    salt = base64.b64decode(tokens["tok_0"].salt)
    for i in range(3):
        exchange = ScramExchange("ada", candidates)
        assert exchange.final(_client(f"lm_secret{i}", salt, exchange))[0] == f"tok_{i}"
    assert make_verifier("lm_other", "prn_2").salt != tokens["tok_0"].salt  # one salt per principal


def test_a_wrong_token_or_an_unknown_user_fails_at_the_proof() -> None:
    verifier = make_verifier("lm_right", "prn_1")
    salt = base64.b64decode(verifier.salt)
    exchange = ScramExchange("ada", [TokenVerifier("tok_1", verifier)])
    with pytest.raises(ScramFailed):
        exchange.final(_client("lm_wrong", salt, exchange))
    unknown = ScramExchange("nobody", [])
    server_first = unknown.first("n,,n=,r=abc")
    assert ",s=" in server_first and server_first.endswith(",i=4096")  # looks like any other user's
    assert ScramExchange("nobody", []).first("n,,n=,r=abc").split(",")[1] == server_first.split(",")[1]
    with pytest.raises(ScramFailed):
        unknown.final(_client("lm_right", salt, ScramExchange("nobody", [])))


@pytest.mark.parametrize(
    "client_first",
    ["", "n,,", "n,,n=,", "p=tls-server-end-point,,n=,r=abc", "n,a=admin,n=,r=abc", "x,,n=,r=abc", "n,,n=,r=a,m=ext"],
)
def test_malformed_or_unsupported_first_messages_are_refused(client_first: str) -> None:
    with pytest.raises(ScramFailed):
        ScramExchange("ada", [TokenVerifier("tok_1", make_verifier("lm_x", "prn_1"))]).first(client_first)


def test_tampered_final_messages_are_refused() -> None:
    verifier = make_verifier("lm_right", "prn_1")
    salt = base64.b64decode(verifier.salt)
    good = ScramExchange("ada", [TokenVerifier("tok_1", verifier)])
    honest = _client("lm_right", salt, good)
    tampered = [
        honest.replace("c=biws", "c=eSws"),  # claims channel binding
        honest.replace("r=clientnonce", "r=othernonce"),  # another exchange's nonce
        honest.rsplit(",p=", 1)[0] + ",p=!!notbase64!!",
        honest.rsplit(",p=", 1)[0] + ",p=" + base64.b64encode(b"short").decode(),
        honest.rsplit(",p=", 1)[0],
    ]
    for message in tampered:
        with pytest.raises(ScramFailed):
            good.final(message)
    # Replayed into a fresh exchange (new server nonce), an honest final message proves nothing.
    replay = ScramExchange("ada", [TokenVerifier("tok_1", verifier)])
    replay.first("n,,n=,r=clientnonce")
    with pytest.raises(ScramFailed):
        replay.final(honest)
    assert good.final(honest)[0] == "tok_1"
