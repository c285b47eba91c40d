"""Verify a usersvc access token from another service: PyJWT and the JWK set URL, nothing else.

    pip install "PyJWT[crypto]"
    python verify_token.py --jwks-url https://id.example.com/.well-known/jwks.json \\
        --issuer https://id.example.com "$ACCESS_TOKEN"

Prints the token's claims and exits 0, or says why it is refused and exits 1. In a service,
keep one PyJWKClient for the life of the process: it caches the key set, and fetches it again
when a token names a key it has not seen (after a rotation).

What this cannot know: a token whose session was logged out, or whose user was deactivated,
stays valid here until it expires (15 minutes by default); usersvc's own edge refuses it at
once. A revoked signing key leaves the set, so its tokens fail here within `lifespan`.
"""

import argparse
import json
import sys

import jwt

# usersvc signs with these. Pinned: a token cannot choose `none`, or HS256 keyed with a public key.
ALGORITHMS = ["EdDSA", "ES256"]


def verify(token: str, *, keys: jwt.PyJWKClient, issuer: str, audience: str) -> dict:
    signing_key = keys.get_signing_key_from_jwt(token)  # by the token's `kid`
    claims = jwt.decode(
        token,
        signing_key,
        algorithms=ALGORITHMS,
        issuer=issuer,
        audience=audience,
        options={"require": ["exp", "iat", "iss", "aud", "sub", "sid", "type"]},
    )
    if claims["type"] != "access":
        raise jwt.InvalidTokenError("not an access token")
    return claims


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("token")
    parser.add_argument("--jwks-url", required=True, help="usersvc's /.well-known/jwks.json")
    parser.add_argument("--issuer", required=True, help="usersvc's JWT_ISSUER (default: its PUBLIC_URL)")
    parser.add_argument("--audience", default="usersvc", help="usersvc's JWT_AUDIENCE")
    args = parser.parse_args()
    keys = jwt.PyJWKClient(args.jwks_url, lifespan=60)  # as long as usersvc lets HTTP caches keep the set
    try:
        claims = verify(args.token, keys=keys, issuer=args.issuer, audience=args.audience)
    except jwt.PyJWTError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    print(json.dumps(claims, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
