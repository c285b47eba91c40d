"""Local stand-ins for other providers, for the identity-brokering tests (no internet):

- `/oidc`: an OpenID Connect provider (discovery, JWKS, authorize, token with PKCE S256,
  userinfo) whose ID tokens a test can bend (`tamper`: another aud, iss, nonce, key…), so
  each check usersvc makes is seen refusing;
- `/github`: a GitHub-style OAuth 2 provider (no ID token; `/github/user` answers
  `{"id", "login", "name", "email"}`).

`authorize` signs in whoever `next_user` names and redirects straight back, as a provider
where the user is already signed in would.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "usersvc-client"
CLIENT_SECRET = "stub-secret-" + "x" * 20


@dataclass
class Pending:
    user: dict
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    tamper: dict


@dataclass
class UpstreamStub:
    port: int
    next_user: dict = field(
        default_factory=lambda: {"sub": "alice-1", "email": "alice@idp.example.com", "email_verified": True}
    )
    tamper: dict = field(default_factory=dict)  # ID-token claims to set (None deletes), or "key": another key
    codes: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)  # the authorization requests seen (their query)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base}/oidc"

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def jwks(self) -> dict:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": "stub-1", "use": "sig", "alg": "RS256"}]}

    def id_token(self, pending: Pending) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": pending.nonce,
            **{k: v for k, v in pending.user.items()},
        }
        tamper = dict(pending.tamper)
        key = self.other_key if tamper.pop("key", None) == "other" else self.key
        for name, value in tamper.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "stub-1"})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _json(self, value: object, status: int = 200) -> None:
                body = json.dumps(value).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/oidc/.well-known/openid-configuration":
                    return self._json(
                        {
                            "issuer": stub.issuer,
                            "authorization_endpoint": f"{stub.issuer}/authorize",
                            "token_endpoint": f"{stub.issuer}/token",
                            "userinfo_endpoint": f"{stub.issuer}/userinfo",
                            "jwks_uri": f"{stub.issuer}/jwks",
                            "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                        }
                    )
                if parts.path == "/oidc/jwks":
                    return self._json(stub.jwks())
                if parts.path in ("/oidc/authorize", "/github/authorize"):
                    stub.requests.append(query)
                    code = secrets.token_urlsafe(16)
                    stub.codes[code] = Pending(
                        user=dict(stub.next_user),
                        redirect_uri=query["redirect_uri"],
                        nonce=query.get("nonce"),
                        challenge=query.get("code_challenge"),
                        tamper=dict(stub.tamper),
                    )
                    self.send_response(302)
                    target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
                    self.send_header("Location", target)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if parts.path in ("/oidc/userinfo", "/github/user"):
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    user = stub.tokens.get(token)
                    if user is None:
                        return self._json({"error": "invalid_token"}, 401)
                    return self._json(user)
                return self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path not in ("/oidc/token", "/github/token"):
                    return self._json({"error": "not_found"}, 404)
                basic = self.headers.get("Authorization", "").removeprefix("Basic ")
                if base64.b64decode(basic or b"").decode(errors="replace") != f"{CLIENT_ID}:{CLIENT_SECRET}":
                    return self._json({"error": "invalid_client"}, 401)
                pending = stub.codes.pop(form.get("code", ""), None)
                if pending is None or pending.redirect_uri != form.get("redirect_uri"):
                    return self._json({"error": "invalid_grant"}, 400)
                verifier = form.get("code_verifier", "")
                expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if pending.challenge != expected:
                    return self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
                access = secrets.token_urlsafe(16)
                stub.tokens[access] = pending.user
                answer = {"access_token": access, "token_type": "Bearer"}
                if self.path == "/oidc/token":
                    answer["id_token"] = stub.id_token(pending)
                return self._json(answer)

        return Handler
