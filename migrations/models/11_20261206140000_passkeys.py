from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Passkeys (WebAuthn): public keys only, nothing a dump could sign with. Challenges are
    # kept as digests, single use, five minutes; they go with their user or mfa challenge.
    # Users are soft-deleted, so passkeys restrict like user_sessions'.
    return """
        CREATE TABLE IF NOT EXISTS "passkeys" (
            "id" UUID NOT NULL PRIMARY KEY,
            "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
            "credential_id" VARCHAR(1400) NOT NULL UNIQUE,
            "public_key" BYTEA NOT NULL,
            "sign_count" BIGINT NOT NULL DEFAULT 0,
            "aaguid" VARCHAR(36) NOT NULL,
            "name" VARCHAR(100) NOT NULL,
            "transports" JSONB,
            "backup_eligible" BOOL NOT NULL,
            "backed_up" BOOL NOT NULL,
            "created_at" TIMESTAMPTZ NOT NULL,
            "last_used_at" TIMESTAMPTZ
        );
        CREATE INDEX IF NOT EXISTS "passkeys_user" ON "passkeys" ("user_id");
        COMMENT ON COLUMN "passkeys"."credential_id" IS 'the credential id, base64url';
        COMMENT ON COLUMN "passkeys"."public_key" IS 'the COSE public key';
        COMMENT ON COLUMN "passkeys"."sign_count" IS 'the authenticator''s counter last seen; it must grow';
        COMMENT ON COLUMN "passkeys"."aaguid" IS 'the authenticator model (zeros when not told)';
        COMMENT ON COLUMN "passkeys"."transports" IS 'as the browser reported them';
        COMMENT ON COLUMN "passkeys"."backup_eligible" IS 'BE at registration: a synced (multi-device) passkey';
        COMMENT ON COLUMN "passkeys"."backed_up" IS 'BS at the last ceremony';
        COMMENT ON TABLE "passkeys" IS 'WebAuthn credentials (public keys only)';
        CREATE TABLE IF NOT EXISTS "webauthn_challenges" (
            "id" UUID NOT NULL PRIMARY KEY,
            "challenge_digest" VARCHAR(64) NOT NULL UNIQUE,
            "purpose" VARCHAR(16) NOT NULL,
            "user_id" UUID REFERENCES "users" ("id") ON DELETE CASCADE,
            "mfa_challenge_id" UUID REFERENCES "mfa_challenges" ("id") ON DELETE CASCADE,
            "expires_at" TIMESTAMPTZ NOT NULL,
            "spent_at" TIMESTAMPTZ,
            "created_at" TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX IF NOT EXISTS "idx_webauthn_ch_expires_at" ON "webauthn_challenges" ("expires_at");
        CREATE INDEX IF NOT EXISTS "webauthn_challenges_mfa" ON "webauthn_challenges" ("mfa_challenge_id");
        COMMENT ON COLUMN "webauthn_challenges"."challenge_digest" IS 'sha256 hex of the challenge';
        COMMENT ON COLUMN "webauthn_challenges"."purpose" IS 'registration | authentication';
        COMMENT ON TABLE "webauthn_challenges" IS 'Pending WebAuthn ceremonies; the challenge is stored as a digest only';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "webauthn_challenges";
        DROP TABLE IF EXISTS "passkeys";"""


# The models as they stand after this migration (aerich's snapshot; a unit test holds it to
# workers/models.py, so the next `aerich migrate` starts from the truth).
MODELS_STATE = (
    "eJztXelz27iS/1dQ2g/PqZUzjmzZHntrq2RHmXjjI2srO2+u4sAkJOGZIvhAyorm+N8XDY"
    "ISb5PUYVLhl5mYZINUN44+ft39Z2vCDGI6b3u6zqaWO2BPxGqdoT9bFp4Q8Y/E+23Uwra9"
    "vAsXXPxoSgLsPam58Ki8hR8dl2PdFXeH2HSIuGQQR+fUdimDt7XuLLLv0glBHhGaYGoSQ/"
    "yFpg7hThs5LuPiAnaQQUfEcR3ELHMOgxtMF6NTa5RjHLRH4Ap6JpwOqY7h9W1kY8eZMW4g"
    "ThzivmlH3/IWXjO16L+nRPyoEXHHhIuX/fKbuEwtg3wljv+n/aQNKTGNEAepAQPI65o7t+"
    "W1L1+u3n+QT8JPeNR0Zk4n1vJpe+6OmbV4fDqlxluggXsjYhGOXWIE+GlNTVMJwL/kfbG4"
    "4PIpWXyqsbxgkCGemiCV1n8Np5YO3EDyTfCfo/9WnxZ4TNNu7wbaQ3+gaa2YEOETIvJQl3"
    "RmwQSglguM+vNvb9wlQ+TVFrzg8mPvfu/w+I1kAXPcEZc3Jbtaf0tC7GKPVDJ9yWV7ygUF"
    "ibP6cox5MqsDJBF+i88tw2n/wpLVy/nuM9FnU37GtuR0nWve3P3Lm6aaP2ujayCZ560J/q"
    "qZxBq5Y/HnYSdDBv/Xu/fE0JFiYGLlegv7Vt3pyFsgjSX35XrTxtgZFxFAmGo9Mnh5tpeQ"
    "gDPGne4xGpOviA2R2AC8DeZ8+U9EXYeYQ0QdZBEhMLVjlZHO8VEO6RwfpUoHboWlI2dOEc"
    "EsCCq9LoD52DDEenACgpjhwL5fhv+dbh4BiKdSJSDvhUWgcwIM07Abl8N7cQdOrWRZhCkj"
    "AjEU6Vv/H9URT+7zoCV+oHEHx7m3WDOYP7i66T8Mejef4XUTx/m3KfnXG/ThTkdenUeu7h"
    "1H5LQYBP14NfiI4E/0891tP3roLJ4b/NyCb8JTl2kWm2lizi33Ff+qz7XwwvtqUzFaCamH"
    "KXdQ6jWRss+TTDEL5bLMyg6QrUHAaj5uetN1bGK5bcTECTe1hU5NDLHRPs4RFufeTJx7rm"
    "8hfHNTgGvFNP0AyTrV/equ6xe0ezCghk+Jyj2wKs7aD0LDoiPrE5lLBl+J78CWnqTPKyP2"
    "ixqmnixdXl2udo5nC4szOKHEbxe/mLjy19+L2X1/dTloSRY/Yv1phrmhhXgNd1iHRa4sno"
    "3fmnQm0SvYwiPJHfgZ8NG+72BqUPeajVpJfgX/XjvTpwBPaSYb5fQn9GyxSxn7YL2fiZ1J"
    "sHc0EnsTJ0PBIwd9+Qx7Rhu971/3B32ELQMN7r/cXoqLKTvXms3/Czq6stwCDgAQemTiqh"
    "mwbVsov1o3gk/Y/77TOTw86RwcHp92j05OuqcHp+JZ+b3xWycZu8fF1Q9Xt4PwDg8Xst0C"
    "Ypow7rExJoV0+ydMVWUjKL84QjbOu+McJs676IG6tHDgVtjA8ViWNNlfYnPihF8bk7c65c"
    "N25MFBHjvy4CDdjoR7MTbDRxVjsqLYPRZvwFViudSdF94wImQ7uGOs32eoeFZsywgR7d6E"
    "3siewcRAz9icEifO6f95uLtN5nSYKmqgUt1FfyGTOjG95NVM03WYKMCOkMnpM3bvpvfPKM"
    "8vr+8uorYMDHAR4b8wjEvwP0zV8L88/6mtKTdxkZ0mTFVqq6kY3zd9dkr7U5iAVoInLJ3P"
    "Yard43M315bezdjSu/EtnRPxSx234OEZpto9Vm/k9NTZZIItoyCrw1QNq/OxulZBsq1qib"
    "sVI4u5el/HMXkzxGIFmzCpSSvBORm6385yUE6GWNP9R3M6KT8TyxAyRw4RwjaQyUbUQo5L"
    "bMfDFcCYClvgBABQWIGTkhFQPTXObMwcsoQ2QVCc09HYbYt/UhdeO2QcQAv+64fSGYP2Qm"
    "9+02CfqhIdaWc4OT0cjTctihxSUbpaIXAWkzRfsHHTyu+MM2skeGskWXkPE7E1pHr8I6Qv"
    "u/7X5Tw62NRp5bn+DzsnxwtnP/yR5d5/uOldX/v+/AZB8Y2FzyWqoISQg3T1wVAA8ENCKL"
    "yAJADVmNjW3G8ROFEvnb8BxpVX+hu4TAOX2RW4TEDvI49ipo+tiPkXwXuoQT58uicmTonH"
    "Kq7/SB57MGDI8qzEubWyBP7esDF/L0zZZ8Lnl+JKK9meDz3Sfsmk5+rppXL+sln/IDhjkn"
    "0xu5BPjiS5TCx6InNx3mclMW0GcdQY3es2ukGmJWzuCFmVkQKtjze9y/2Hjz2wvKdiaI4w"
    "TGAk/kWfxTQecjZBD/3Le0H/qf9TNQzxbwiM/U2aio3BkL60GoOhMRgag6GKBsMmNd87sB"
    "cuTUrkl8e03uDtTI2XgSGj6fLJvIn7NrGu3qNLZllEd5GiPYegEidCwcWcBEJXLyu/rZ6F"
    "xAeaKjkfuWPsIkdMQkfGqrwsfgrXOZuOxt6FZx3thT/kTVvo3iPquISr7CQxrDGh1qrxLO"
    "8HFsUCBImqG2N5ZRxRuqYt/1+A3/7zVdaty+L2c8Eu3mXALt7FYRdFwc51QDkDG4fUALgw"
    "hqIJ9vRRbCplLJT1p0oMKXeggAN35wmuIsZMgq1kzkcoIwJ4FKSbksDiSgERWAwBZ4UMkI"
    "09P9ZK+s3F3d11SF29uIrkA91+ubnoC2lIYYiHqHdAx8OK4ligXBwU2pTTQqjcGOFKwNyq"
    "bTbbRubCfUjrY1NXKy2SzEEa8awgnhHHUMhJvqiAQCJkjQhWEIGjs4LcX1I0jF8lacDw0E"
    "UaWB/EEDuLY8NhpmFzVERZemmc7SlRrfuHTvd4U072TStNnkVZwuEeI6wwGDvkcVc4N+/7"
    "6+N/b/yz6azfYf+sbZSUepiykXpVpJ4QjFFfv5S65wMtI/UwZW0ibv53n0l3pKoyCvVDpM"
    "4rYfo2mjH+BBNiVb2m4rOhUqkcnpM7BfexvNnO4f/OD/WAYRmnf3i+6iXIQ3m4z5EjsSDg"
    "pU50dMfI28EEjzMk0a2IWbq48TgX/yCqdA36ddo56ByjHz/27/tIha7R1QO6/XJ9vbKPGx"
    "AKRUt5hoiq6+NOyCPQ1byont+7KsGG1z4/t5G23ISWV8NJLdn5yNkM2OMQxxEfUJCzydTV"
    "Z7IsRmtz9kzBTFNfv9hfZP4ddZypMNro6iD/AtIIOkTjchiQryk5SVG6ndhJsnSt/j8H2T"
    "6khap1fXf7g/941LHUOO8q4byzmMKp5J3uC4IKO4cqO82l7qcH4eqFtMYQZYX53/r86bKP"
    "wIeKQp9c2DfaOc3jHO2cpntH4V6kLhyYLr6pXMQQDxHuoPel7vZ1SMiTBJRe+mGiHm9Okh"
    "VOkib/+JtYWU3SwG7L14MklDNJk2hXMEi3pKyA6Sm/XHqqhTlHJvIeEgaGRYxzRCyo3C8u"
    "cJLgn9ykTVqvCGFT5qnuZZ6U+18iEVvp4QHvfjtPhEA+mjNIoAaGNTghk0eJSLcJl9B1GT"
    "rSF9D8UIDgR4C+Y/WYabIZYOiRO6bc2JcIUEUI3e3G+Jmkuf1/WWR3LF3DvzWppJVKJW0c"
    "/a0tOPobd9xr4khLHfhhysaIqrSS3QTSmhzNJkczRQeduo/sa/85TQUN3M7WQOWDGnnOr4"
    "DKUR0049R1oT8mdccQmKQc3NjWSFDI5ChnDArm0BXqJhQvpi7aEwNbjtc/BJvIe7VXEjSk"
    "qW7iBU35kwrsRlk6KxfSEm/VnkhCEltGCfIwWaO35tBbbTw3GU6Y1Rk5UUuSRnNdQXOtl6"
    "uqgTWX91WFFpx/XJWQe5R2K3GBbfooayLnygOWpbJzA33WU/XBG9WF/UV1EPqd59QGYcxM"
    "XU3ma+dQ02Jq4NpGbhTAOiiALpnYpuBKEe0vSLODqt/6e+Q5BJskYTqnI9mWFFWGUnGiU1"
    "tGLyAC4k8L5PU7g50CfoS3hyzzG89leoPMh/D2EsbRiArjE03tleOXG0HGYRd+mpvgc05t"
    "BhAk2ZlOAJ13RydHp4fHR4t2AIsrWT0B4nU7LDHvNcWiEspZAvkOauZ119AaAyzf2tpdA8"
    "wp2Q2ihs0gvslVPRSmQqlFHSKsjYxbvpairJ+b3tW1JtQKrTcY9AUjH1bXXuowAypieX/G"
    "jgPu5wSz27/VzrK5be+hnPa2X84f6YDBk+XoHLTnlaODYh5eHcy4Nd1DCZSC0Hv5G8he9c"
    "BBXir6csA2ssizLBXiVQ5prOk6WNNLGReFAUUJK5x8LdMhl5OZGm30iB1yfDTlZr4tMJJJ"
    "c5SvHOZRVj3Mo3hBTG8xJYe2LqiF+TzD96unxLYe564HJaqGmimFcXn30A9sHSsfQxcqrL"
    "I4gQSbL65ue/c/JVvRFwlhmIufBv1e1A1CR5bg8zSps/QFHaUa02G6yprTUhYALYWFoWOX"
    "8X84SH622MdN7LhiKyfWudjo0WQq/hpxcarmWy+e/f19p3N4eNI5ODw+7R6dnHRPDxaGeP"
    "xWlkV+cfUDGOWhtRS30jEeTYvtYkuKKrsF43JCUj9Ae38Qzhw0EzeQxQCSaxqxIz2XBzFP"
    "3bTD9Lpph7G6aU3x5A0XT4YIhs14kpMvPT4fplopRL8lEwY7spqBqs+AOIGvh9aFYzJZ+d"
    "zYSOwerIWprRGTjiiwKn5yZJVaTqDeYrnlEgK66CPsqrL3XJYUOgMbYG7pQkp7EzEG3TfI"
    "M9XJG2Qv7ZyqVGQGfgvL3vPkF5TTgq7iEnoACcEqkme6TjiZMKtSUmjcrelnye66W2E6ai"
    "VTYKO0tXHKfZOO1wai30D0G4h+il+YM504Yie7ZBPxUNgLmvZMO9NT7D+t6d7juTFaT8RB"
    "Pg2ikLvNXGF0gkY3ESOKHyA4KB2/OlSikdmkBnokQzHX0Ag6L8E92S4EVHVzjvAIq/ZHEd"
    "DWJl+1ZrdzVpX1irs+Vd1Jv+akx8k9YU09qVTgcyQYKm8SA8By4quY/FPMFMbfeDgZ8Wfv"
    "5n8/BwRTxsnQyWUHdzLs4I5vBzf5ARXIDxiKlxNuc5rkHk1ndYSsyqwOLB81QWQd/P9EMP"
    "3KLIH1C0FufUVcQAuCGnh/mvyMtSyFppRI3UuJPAhFXnD9UzJ8IHA3Uy90vOe0/CiCTwAU"
    "WDTDFDoB6JWq/vy5Cvir0vRtJOwLl0hYAZqwZ6HeCc0CfnpM+csaFe2p3prfBb/2rT1/8x"
    "YNhB7CpxYsDLEfmwRN8Nx7H0y6Xy3wCZ+j3/3mnBM6gnXzu9RhFldhuN9VboD0Isvi57Lj"
    "iS7+wojNxHpbVY18KqZHPlVekbz/cIlOjg9PBaemk0d5evtaZdFA7rbrmWNzxDh1x5NCkc"
    "EgUZV1lLJBqbV3SlIohH/NnoqoI2GqJml0la6GnD4L7iSbPumZGxGyKs91KIX78B+n6HP/"
    "JiVXAyBuXDCKIHV87MN+/+YcAfR+7uVwwJ4FarzFkMnAFvE6Pa8cD9lMkeNaaZpVWV9VUi"
    "1zOci5EAIvJeYwZW3CIK3I6jsX6iM1TSQ0Sip+voNAz1N/zjX5x+oLtG6zIvrri8yLKG19"
    "ZgZGak7LXdokGGyJhaIpy7k4RAa0V29pUbspwckzeyq5UQQp6zMdgh3PuDD8yFBGArDXoe"
    "rbmAFVcUNAY7B7MhS/ZjwAkbSSvBGxh9qZTgl4XOPe817P2pzOCfkipCjVFAn2QTuTncts"
    "cZdAMT8vPoS8ZeBFj1Rx5ZiDohceFWETHAxzGYKK9EqLDN8GsGzCK1b1J3i9fIt2RwtTVd"
    "i7EG6PhjPYX00XgzeJS2QO2mtNHWw09M0dvOWKuNetn9jrAlkC+/EasCwPy9HqydwXIS3h"
    "2RVCtVz2Hi577/uvBWqRWKIE5cDHGKXrA9JPn08B+EyYbRI0GzOkY0uYkyNELWFIsqG7r6"
    "ISCHDjwo4gNiJQreg7GB6+CcG5zZ9TD5Qmc7ECW0XWkesLsog+FKSpsDb0S2//Z7z/x8H+"
    "99pvfx62uwd/l9F6unnQNt10sE03lnMiV1ARfi8IKsxsx2XgarAYn2CTOtBj22Q6NhE0O0"
    "C3Hz5dis3FIftDZhqg/RtsAmbE1fvbXhmpdLp5lFHxVDoIqptQqdNxZkzs2UUNhBhhlb3/"
    "JSNdnW43F8e7GRzvxrFP3HG1ovtPmGoHeb2RVDcJ9S/K6hDRpji9VWDN5hltCyYVYvKCoM"
    "I138ruGvmwqhlQ1RhSjyUlAwJz+9Z0ErNrIvDUxFTAzU3kRU5BkaP0y0P//kyiin+1bu7e"
    "9+97gztxAZR8DlnLv1q99zdXt2cIG5O87ag3jVqgjgZ1QJ+L5mmG6LaY/+dLart6+hpT/a"
    "ROqKkwX4KllMn1OPEWWb+4UnPeA2pvNQHERqi2FFrYEluOwQFlKDFr1AHQIRS6QDPs+DFn"
    "QwaUztETsV25ztDjHFqfcToaqc2wInKcDLFGLOBiUflFKKsuNyTYK5TmiZDN4G7wWQwCWS"
    "keRlRzmWvnrHaxHbFIndNkI2qVTWgNEtcmQvtNhgMaXFa6yrZbKQChPGbbKCn1MGUj9apI"
    "PWGxq69fSl3FEkpIPUxZmx29BSEUldhxho4OjhBofPPZmHDi1RJd+dit+BwoDLsJpBt4mm"
    "UAyhLRzxT9h0/3xJQFcxLmhgqX9byxFjCamu0JaXHMmDKrjyEz2RoltUktwq+bIb70h9pV"
    "fnGiM1iN4jFjDfy6V8Ndiiu7yrJ4/+zyLIt27d5FfgVLDZfnVKCq8S4ySYEvVmTSbgJVQo"
    "yakUdYf9badnm/QnWRrb6apnCccZsG5fhzLQWbE5iK2RAdLTj9X4bq3FmQsjtDNlSWBSdH"
    "G9mcPVND5X/sUwva6njN5ZFsv32+QIFyBpnFDgqBhBch6wa8Uz/wTrIk84Ydk6nXEoPcAr"
    "oZMlkAmB7GOEP53jlxkUQElwmNrb+0SOPiSmd9PZ0dNSzKWDXJ10TSuXzY5KtNxXAlBB2m"
    "bMRcaTHXKmWwaSlcTsjU1lSIu4gmFabaPRTX+pUiafsI86pYzbsw1e7xuZsLjtjNgCN243"
    "DEJ2oVLKJkbbSVR9wSwzYtaHcByRn67vndd+AS+U6awugvv73BmZfmrgzjfzgL01hn7IkS"
    "8aC0jM/8fGjIlbSQ9Egq07mM5bB+UJ33LUU7SgWJNrRE1mHNSRH4eb2OJ7LyzF//DuXozE"
    "7ysKXXYFpS1KAmZCL/vV/grY68OcJbL8+EOczvcnmkicQr+J1eb6n4nVzUVbg2RzMILCvp"
    "obzQ4FVcU4Fw7SShdnr6WlGP12GhjNlMcnzqKCer5C3ag1J+p+9OjlXb89UhdBtZLjJk55"
    "sVRYyWEGF9IBeyiddCXLJTCygCUOJszLxVIvaAlWVVO8OmaR3RtI547Tz7VVpHRIuExCvd"
    "lA+EJpba2REZbDwSOmCu3UoJg8p77RdjoK7/2IvxzwB63Tn3VFbZJRlRYeR5GciykLFX1T"
    "K6y7d68lQQBmFgnDMkpG9ATfohZxNELM7MCURPvcp5gJ03iA+gh2JEq9Ygqs5OvKUgqVeL"
    "4m3ebhebCZV680RbToww79PrusYIq5xvLFucQlPmw45aGe0XK7xOhnh13XUzRVv9rJUysd"
    "MIbX002Nsv19dCWaUmCWxGYn9T29S3p7ouw6GOS5IaTGa0kI7TlmojvSXRL5pLHh7si+XL"
    "LAPBZ4Pp4hDvIIJEO6j0b4tvPZeXpP+SuoD7IZibVJg9wQKPexaTjZ3wPG9L41dpOt2gJN"
    "IFslsoiQLZAJvUXePoxwQlNhEima7NpkA085Tg8lRQ/31+d1lKlJq7GDCg6QYKaEqtN0Hd"
    "jY43h870/lBnyBEPmtJV0kZD+ix0AWpNXeK0016xibZwDSxw3bruQsKaJ7pC4aME2iqXnY"
    "phAvXgUn39MJLSsouIIEBSaVsj2Kwc/YVg5xOqKtUX3pbXj6DWC5rVgHZK1pStRtngikFL"
    "dknCjXWQvoXulnWQmtJa0GWaRLvRQH9V1naBmP2reaJ3hpuVCQlWk6OlI4KLstup28EaWF"
    "swy72mLE7aCKtU4rxHONXHrQTni7rTzvK44OUzLzlZ0jm7ZodGqjM6cd9McEArMW7bmM6v"
    "cnge4s67o5Oj08Pjo4VjeHElyx/s+37T/RfPhCf3L0i3mQMkVbaZS+LCN1J7GRZVAQ6rx3"
    "eQuxspAize6CZmN6RjIgMkTQPXgpDHVw0q/P3/IGTQog=="
)
