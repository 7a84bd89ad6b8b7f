"""The SMTP settings a production mail server needs: STARTTLS (port 587) and implicit TLS (465) with
a user name and password, and the sender. A real SMTP server on loopback (aiosmtpd) with a
certificate made for the test and authentication required receives the worker's mail only with
those settings; a wrong password leaves the message waiting with the server's error."""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.delivery.mailsink import MailDirHandler, messages, read
from backend.delivery.worker import Deliverer
from backend.models import OutboxMessage
from tests.backend.conftest import make_account, rows
from tests.delivery.conftest import free_port

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
USER, PASSWORD = "mailer", "a-long-smtp-password"
SENDER = "Cancellations <receipts@mail.test.example>"


def _certificate(directory):
    """A self-signed certificate for 127.0.0.1 (cert.pem, key.pem in `directory`)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


class _Recorder(MailDirHandler):
    """Keeps the mail, and who logged in over which kind of connection for each message."""

    def __init__(self, directory):
        super().__init__(directory)
        self.sessions = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.sessions.append(((session.login_data or b"").decode(), tls))
        return await super().handle_DATA(server, session, envelope)


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@pytest.fixture(params=["starttls", "tls"])
def secure_server(request, tmp_path, monkeypatch):
    """An SMTP server that needs TLS (STARTTLS or implicit) and a login; the client trusts its
    certificate through SSL_CERT_FILE, as a machine trusts a provider's CA."""
    cert_file, key_file = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    handler, port = _Recorder(tmp_path / "secure-mail"), free_port()
    common = dict(hostname="127.0.0.1", port=port, authenticator=_authenticate, auth_required=True)
    if request.param == "starttls":
        controller = Controller(handler, tls_context=context, require_starttls=True, **common)
    else:
        # the whole connection is TLS; aiosmtpd only knows of STARTTLS when it offers AUTH
        controller = Controller(handler, ssl_context=context, auth_require_tls=False, **common)
    controller.start()
    yield request.param, port, handler
    controller.stop()


async def _queue_code(api, account) -> None:
    status, start = await api.post(
        "/api/v1/verify/start", {"identifier": account["email"], "conversation_id": "conv-smtp-tls"}
    )
    assert status == 200, start
    assert (await api.post("/api/v1/verify/otp", {"attempt_id": start["attempt_id"]}))[0] == 202


async def test_the_worker_sends_over_tls_with_the_login_and_sender_of_the_settings(
    api, db, deliverer, delivery_settings, policy, secure_server
):
    security, port, server = secure_server
    settings = dataclasses.replace(
        delivery_settings,
        smtp_port=port,
        smtp_security=security,
        smtp_user=USER,
        smtp_password=PASSWORD,
        smtp_sender=SENDER,
    )
    account = make_account(db)
    await _queue_code(api, account)
    assert await Deliverer(db, settings, policy).deliver_due() == 1
    [mail] = [m for m in (read(p) for p in messages(server.directory)) if m["To"] == account["email"]]
    assert mail["From"] == SENDER and mail["Subject"] == "Your verification code"
    assert server.sessions[-1] == (USER, True)  # logged in, over TLS
    [row] = rows(db, OutboxMessage, recipient=account["email"], kind="otp")
    assert row.status == "sent" and row.sealed_code is None


async def test_a_wrong_smtp_password_leaves_the_message_waiting_with_the_error(
    api, db, deliverer, delivery_settings, policy, secure_server
):
    security, port, server = secure_server
    settings = dataclasses.replace(
        delivery_settings, smtp_port=port, smtp_security=security, smtp_user=USER, smtp_password="wrong"
    )
    account = make_account(db)
    await _queue_code(api, account)
    assert await Deliverer(db, settings, policy).deliver_due() == 0
    [row] = rows(db, OutboxMessage, recipient=account["email"], kind="otp")
    assert row.status == "pending" and row.last_error == "SMTP 535" and row.sealed_code
    assert "wrong" not in row.last_error
