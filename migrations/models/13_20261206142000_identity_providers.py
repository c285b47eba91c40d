from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Sign in with another provider (docs/identity-providers.md): the providers, the
    # identities linked through them (provider + subject), and each sign-in's state and login
    # code (digests only).
    return """
        CREATE TABLE IF NOT EXISTS "identity_providers" (
            "id" UUID NOT NULL PRIMARY KEY,
            "slug" VARCHAR(40) NOT NULL UNIQUE,
            "name" VARCHAR(100) NOT NULL,
            "kind" VARCHAR(16) NOT NULL,
            "issuer" VARCHAR(2000),
            "authorization_endpoint" VARCHAR(2000),
            "token_endpoint" VARCHAR(2000),
            "userinfo_endpoint" VARCHAR(2000),
            "client_id" VARCHAR(500) NOT NULL,
            "client_secret_sealed" TEXT NOT NULL,
            "scopes" JSONB NOT NULL,
            "claims" JSONB NOT NULL,
            "creates_accounts" BOOL NOT NULL DEFAULT False,
            "trusts_email_verified" BOOL NOT NULL DEFAULT False,
            "enabled" BOOL NOT NULL DEFAULT True,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "updated_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        COMMENT ON COLUMN "identity_providers"."kind" IS 'oidc | oauth2';
        COMMENT ON COLUMN "identity_providers"."issuer" IS 'oidc: where discovery starts';
        COMMENT ON COLUMN "identity_providers"."client_secret_sealed" IS 'sealed with SECRET_KEY (purpose identity-provider)';
        COMMENT ON COLUMN "identity_providers"."claims" IS 'claim name per field (ClaimMapping)';
        COMMENT ON TABLE "identity_providers" IS 'Providers to sign in with; client secrets are stored sealed only';
        CREATE TABLE IF NOT EXISTS "user_identities" (
            "id" UUID NOT NULL PRIMARY KEY,
            "subject" VARCHAR(255) NOT NULL,
            "email" VARCHAR(254),
            "linked_at" TIMESTAMPTZ NOT NULL,
            "last_sign_in_at" TIMESTAMPTZ,
            "provider_id" UUID NOT NULL REFERENCES "identity_providers" ("id") ON DELETE CASCADE,
            "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
            CONSTRAINT "uid_user_identi_provide_8e1c57" UNIQUE ("provider_id", "subject")
        );
        CREATE INDEX IF NOT EXISTS "idx_user_identi_user_id_4b7d21" ON "user_identities" ("user_id");
        COMMENT ON COLUMN "user_identities"."email" IS 'what the provider said last; never a link key';
        COMMENT ON TABLE "user_identities" IS 'Linked identities: provider + subject, never an email';
        CREATE TABLE IF NOT EXISTS "provider_sign_ins" (
            "state_hash" VARCHAR(64) NOT NULL PRIMARY KEY,
            "browser_binding_hash" VARCHAR(64) NOT NULL,
            "nonce" VARCHAR(100) NOT NULL,
            "code_verifier_sealed" TEXT NOT NULL,
            "return_to" TEXT NOT NULL,
            "expires_at" TIMESTAMPTZ NOT NULL,
            "state_used_at" TIMESTAMPTZ,
            "login_code_hash" VARCHAR(64) UNIQUE,
            "login_code_expires_at" TIMESTAMPTZ,
            "login_code_used_at" TIMESTAMPTZ,
            "subject" VARCHAR(255),
            "profile" JSONB,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "provider_id" UUID NOT NULL REFERENCES "identity_providers" ("id") ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS "idx_provider_si_expires_9c2f40" ON "provider_sign_ins" ("expires_at");
        COMMENT ON COLUMN "provider_sign_ins"."state_hash" IS 'sha256 hex of the state';
        COMMENT ON COLUMN "provider_sign_ins"."browser_binding_hash" IS 'sha256 hex of the browser''s cookie';
        COMMENT ON COLUMN "provider_sign_ins"."code_verifier_sealed" IS 'PKCE verifier, sealed';
        COMMENT ON COLUMN "provider_sign_ins"."profile" IS 'email, email_verified, username, names, as the provider said them';
        COMMENT ON TABLE "provider_sign_ins" IS 'Sign-ins through other providers: state and login code as digests; short-lived';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "provider_sign_ins";
        DROP TABLE IF EXISTS "user_identities";
        DROP TABLE IF EXISTS "identity_providers";"""


# The models as they stand after this migration (aerich's snapshot; a unit test holds it to
# workers/models.py, so the next `aerich migrate` starts from the truth).
MODELS_STATE = (
    "eJztPWtz4zaSfwWl+7CeOnnGIz9jX12V7HES3/gxZ3suu5ukuDAJSVhTIJekrGiT/PdDA6"
    "DEt0nqYVDDLzMWiQbJbqDR7/69M3YsYvvv+6bpTFjw6DwT1jlFv3cYHhP+R+b9Lupg113c"
    "hQsBfrIFAJYjjQCGilv4yQ88bAb87gDbPuGXLOKbHnUD6sDTOneM7AZ0TJAEQmNMbWLxX2"
    "jiE8/vIj9wPH4B+8iiQ+IHPnKYPYPJLcfks1M2LDEP2iFwBb0Qjw6oieHxXeRi3586noU8"
    "4pPgXTf5lPfwmAmj/5oQ/lFDEoyIxx/286/8MmUW+Y344U/32RhQYlsxDFILJhDXjWDmim"
    "tfv159+l6MhE94MkzHnozZYrQ7C0YOmw+fTKj1HmDg3pAw4uGAWBF8soltKwKEl+Qb8wuB"
    "NyHzV7UWFywywBMbqNL5r8GEmYANJJ4E/xz8t3q1yDDDuL17NB4uHw2jkyIivEKCHuqS6T"
    "BYAJQFgKjf/5TzLhAirnbgARc/9u939o/eCRQ4fjD0xE2Brs6fAhAHWIIKpC+w7E48DkHS"
    "qL4YYS8b1RGQBL7569bBdHhhgerFeg+RGKKpPGI7YrnODLl2/5DL1AhXbXIPZOO8M8a/GT"
    "Zhw2DEf+73Cmjwf/17SYaeIIPDd67c2LfqTk/cAmossC/2mzHC/qgKAeJQq6HB66u9BgX8"
    "Ee4dHqER+Q05A8QZgGQwZ4s/EQ18Yg8Q9REjnGCKY9WhztFBCeocHeRSB27FqSNWThXCzA"
    "G03heAfGxZfD/4EUJMcYTv18F/77AMAfioXAqIe3ESmB4BhBk4SNPhE78Dp1Y2LeKQCYJY"
    "CvR9+Ic+5Cl9HnT4B1p3cJzLzVqA/Merm8uHx/7NF3jc2Pf/ZQv89R8v4U5PXJ0lru4cJe"
    "g0nwT9dPX4I4Kf6O93t5fJQ2c+7vHvHXgnPAkcgzlTg6+5BV8Jr4ZYi2+831zKZ6tB9Tjk"
    "FlK9IVQOcVJIZi5c1tnZEbAVEFitx3UzXd8lLOgih59wE5fL1MTijPZphjA/96b83AtCDe"
    "GbWwKeUU3Sj4CsUtzXd1+/It2DAjV4zhTuAVVp1H7PJSw6ZJ/JTCD4ir8HZmaWPK+U2K9q"
    "mmaidHF1sds9PJ1rnNEFxb+dfzEJxNff89V9f3Xx2BEofsLm8xR7lhHDNdxxek7iynxs+t"
    "a4N05ewQwPBXbgM+ClQ9vBxKLBtTPsZNkVwnvdQpsCjDJsZ1jSntB3OZeydkF7P+WciaN3"
    "OOS8ySMDjiMfff0CPKOLPl1eXz5eIsws9Hj/9faCX8zhXCtW/8/p8IoFFQwAQPTEwlUrYN"
    "O6UHmxbgivsPtdr7e/f9zb2z86OTw4Pj482TvhY8X7pm8dF3CP86sfrm4f4xweLhSbBfgy"
    "cTyJxhQV8vWfOJTOSlB5csR0nI9HJVScj8kDdaHhwK24giNRlrXYX0Nz5oJfGZI3uuTjeu"
    "TeXhk9cm8vX4+Eeyk0w0tVQ7KC2D4Ur8FUwgIazCozjATYFnKM1dsMFc6qsYwY0PYt6LXw"
    "DIdP9ILtCfHTmP6fh7vbbEzHoZIKKjUD9AeyqZ+SS95MNV2FigLoiKmcIWJ3bvp/TeL84v"
    "ruPKnLwATnCfxzxbgG/uNQLf7r45+6hjITV+E0caharEYzvK/77BT6J1cBWYYlLB/Pcajt"
    "w/NhKZZ+WMDSD9Ms3SP8S/2g4uEZh9o+VK/l9DSd8RgzqyKq41AtqsuhulFOso1KidvlI0"
    "uZet/GMHllSXXii+e8UEuY9VIGytSYbpGhkqrRhquGlzRYhrP7EKvk0yFDlKEpDUZnyLQp"
    "nxP5hK/xwEfYI2E0lE8weLkzI6H6zAFDJQrfA7nEcW0SmxvtAMiH8J135+/8fmy96yK+BA"
    "d0OPGUf4chbI0pa6OhdPGXdAvMnr49GVY5rsLx+sbg1DynDsocUwf5p9RB6pAS/1dAbTh+"
    "C21CH0sJAR8LhICPaSHgmX9aFfyG43XGb8ehlsn1dYefhKNejo9pwwZ76vuTLK9qgUY8h9"
    "BYnhWoPkVTfiwRZFHfdF6IN+NHJvYCvw7muZxaUtQtlHXTlny+FByP/ltEIRuEWa5Dq2nO"
    "+TNoTJ/6+sZaqCBDUOtgPw3ZYr0s1sHmQ9nAqYX4TOAW92VxL/WJquaMKJDOJ61ORjqFNK"
    "m5GVJbSyP9kfyWEwmSB68z/jtKKRX65cPlxT0f9vnyb2hHJVuglLb5rtyhXGTxuPzrY7HT"
    "YG7wuL67/SEcnvQkxInHBQe3msNmAbGUs0a3jbJpb41pYzquhPgFRBMQL18Xwecil3hIfC"
    "XauYCrN9h1OS2W3xLroYwwsvqGyvDLoNG549gEsyIbbRw8QbAnDr8uSs2vbHaPnN/dXcco"
    "cX6V5D5fb84vufImyMIHURm1Gca2RWRVb+IHvswDM2QOY9aBUkiE3DlaSlSgBGHw/VVxH4"
    "HaILZD21tjkd0sr1CbOnW6ktSpiWvVpHocsqW6LlTPyKMRb1/BGRgRz+mQGZRlySAK8vvP"
    "98TGObGvyrkXut0e+GxXrIFLIS81JG7plSoXzVJnqmAL0mdCd+g24WqdLubPfKEztbwyvM"
    "vR290ix/IzDDSiq/51p/JPwgZOsDlCSuYW7l+unVOGBp4zhtwYuLKrfvOfLqYemjCfEH7J"
    "8dD+HrLwzIe8dplUnVRNOn20Y5EXavIXYCSYOt7zO+EsznxiVyTbTEd8dhv7AXig+bTsg/"
    "oww7WxSfz37uxdnp/553kymHwq/KWe2/m1dULr5IReEKismXEBobWNC4oNwCpEImzxLz6f"
    "dUwh1ezJc6biOl/k/swPCF/wzIF6Mz4HreV+Wn2YZrhbKtAlAqI9YaTVlBPl6svLAfrQO4"
    "BcZf73EfpwcKIHBQbU88GgS1gN8TYFvIUSbnMl2rQiA+dcXVonYVtSa03qtghAWwSgLQKQ"
    "rQjdDDCXL2w4VUknQxOK3S9UhcYDbJjh0LLxtYRZHLsQRetw2cx2hlwh4fKZ68saXjCnqu"
    "PlR4oNYlUIMCfGVs0zHYFjc15GEApQeXQ4Crr8T65288eCJkUDP3z8QCQ+o53Yk3M1nlap"
    "0UmpkWE/cllUEaGTcPpG2mZUu5svUj3k56nnsCHHrZVl0XoYc9aQW10jAfp6mY1VHQ17a1"
    "rlqszGfu/4aF5YA34UldJ4uOlfX2d4tdpqZd+ClCoqeNUgchSuOfXKoMiaKFcmi/9AUUiH"
    "s7XgWyxS1npS89loM31qpTyprVbaaqXrRelatdKI3EeeIOeBJdS/+h7Nn8hTHyaMaZ5anF"
    "t6ezW5sn5PZGbNBb/SydbnY0O6r6n0nhq9EM5fV+sfOGZssstXFwrBkQAXRfyfyYyf90UN"
    "AxRKW6VbAx7bLVC6gaY1dO4EmNauqx9v+he7Dz/2QfOeMMjYxrCAEf+LvvBlLPzzi4B6PR"
    "Txb6jw8TepKrYKQ/7WahWGVmFoFQYdFYZ1Sr53oC9ciBCTLKk3ertQ4hWVAAwZq1K2SZZL"
    "2NUndOEwRsxAxbn4Z1mVYUoJv50+Q/wFbdUICwUjLMP1fOGrkh2zKFz3nMlwJC+8mGgn/i"
    "Lvulz2HlI/ICuuFKNLoqpG1UxWJcHlS9ptdZP1VjcRCKqA33C8zvjtiEpRIjAcQ4Myd/LE"
    "mUodDWX1VU5ktJyLPRmyXiFbKwGpd35chzlQr8uHSmEulnYsXfK3+LFAPX5QGBOPVsrrTQ"
    "E2Ib13FcLlWrJ34T600HAmgVGbJIWTtORZgjxDD0PT1FnFogMJsJYES5CgLfnwVgW6LRld"
    "ZMhkIc5ZfBcOMwPblaoYvjbP5oSozv1D7/BoXUb2dQtNquJMdYN7ClDjskwxi7uKc5Pv3x"
    "z7e2ufzUf9Fttn29T4LaN6hjMmlcUtbaB1qB6HbIzHLXzvU2GOFAe7LzIrhcwrwvRdBGmJ"
    "sCCWlWs0Xw2SCVSolLB+G3hO3MfiZreE/bt8qEc/Wuw0EuShLNxnyBexIGClzjR0p8C70Q"
    "SPUySiW5HDII/9acb/IKpNJPpl0tvrHaGffry8v0TKdY2uHtDt1+vrpW3cEKEwwv6oko07"
    "CqSvjTsjj8BU60I/u7cuzoa3Pj830SKodS0vFye1QKeqN2D4xIcCAxUxmw2tP5JFmv+8sY"
    "V6+zl/Efl3olQ5VB1ZWjCoQI2oQTRNh/w6r0m4reAkRbJWW691i4x3zGFZRV7yl/scQGPj"
    "kLbLXMh+ZjRcvZLUGIPUGP+dL58vLhHYUFHslSvbRnsnZYyjvZN86yjcS3duMEJVuYoiHg"
    "PcQutL0/XrGJHHGVF6+YeJGt6eJEucJG3+8Texs9qkge2mrwxJqKeSZsEuoZBuSFgB1VO8"
    "ubBUc3WOjMU9xBUMRqwzRPjzoFEjv5dhn1ynTtosD2HbUrXpLVWV+V9EInby3QPyfreMh0"
    "AMLekkUBPDHhyT8ZOISIceG5OwKKc5D82POQh+gtB3rIbZtjOFGHoUjKhn7YoI0LALa+Cg"
    "EX4hrxenXZiG26K0eqWStob+zgYM/a057i3jSGsd+HHIVonSWshuHWltjmabo5kjg06CJ+"
    "e3y5c8ETRyu1gCFQMN8lJeABWz+mjq0SAgTHZB5MIh9cCMzYYcQiRH+SMQMAcBFzdNZzym"
    "AdrhEzMfC+EK20g+WpYEjUmq63hAW/5EA25UJLN6nFr8qcYzyUhiy5daE2Ct3FpCbnXxzH"
    "ZwxqouyIlagLSS69LtJZtiqmrDmuvbqmIbLjyuatA9CbsRv8AmbZQNobP2ActC2LnB1M6X"
    "B8XdMuIgtMEqKQ3CnIWymsjXLiGmpcTAlc3cCoBNEAADMnZtjpUq0l8UZgtFv/1eCdFvv5"
    "cr+sGtZNYjzuzpmx/JtoDQOZTKIyZ1hfcCPCDhskAv2J5ADoX8CMlDFvmNZyK9QeRDSF7i"
    "eGhIufKJJu7S/su1RMbhAD4tqyt5bjOAKMjWdALofTw4PjjZPzqYtwOYXynqCZCu28H4uj"
    "cUimoIZxngWyiZN11CaxWwcntrexUwv2Y3iAY2g/gmd/VAtO2t02gyCtgYGndCKUVpPzf9"
    "q2uDixVG//HxkiPyYXnppQkrQBPN+wv2fTA/Z6jd4a1ukc7tykFlG16rcv7IhBg8UY7ORz"
    "uyHB0U85B1MNPadB9lQHJA+fB3kL0qg4NkKvpiQmh5/SJKhcjKIa023QRtekHjqmFASUCN"
    "k69FOuRiMVOri56wT44OJp5djgUmMmkOypXDPCiqh3mQLogpN1O2a+ucMuzNCmy/Zo5v62"
    "kWyFAiPcRMQYyLu4fLCOtY+hg6V26V+QnE0Xx+ddu//1u2Fn2e4YY5/9vjZT9pBqFDxvE8"
    "YRkCwzkd5irTcTht1WlBCwgthY1h4sDx/uIj8dqcj0O/ZQT9ls84o0fjCf819PipWm6/SP"
    "37u15vf/+4t7d/dHJ4cHx8eLI3V8TTt4o08vOrH0Apj+2ltJaO8XBSjYstIHQ2C6bphIR8"
    "gHb+TTzHR1N+AzEHQnJtK3Wkl7Iglqmbtp9fN20/VTetLZ685uLJ4MFwHS/LyJfvn49DLe"
    "Wi35AKg31RzUDVZ0AegbeH1oUjMl763FiL7x60hYlrEJsOKaAqfXIUlVrOgN5gueUaBDq/"
    "RDhQZe89UVLoFHSAGTM5lXbGfA66a5EXapJ3yF3oObpUZAZ8c81eWvIr0mkOpzmFHoBCsI"
    "vEmW4Sj4wdphUVWnNr/lmyveZWWI5GzRTYJGxjjHLfpOG1DdFvQ/TbEP0cu7DnmMTnnOzC"
    "GfNBcSto3phuoaU4HG2YcnjpGK1n4qMQBlHI3XYCrnSCRDfmM/IP4BgUhl8TKtGIbFILPZ"
    "EBX2toCJ2X4J5oFwKiuj1DeIhV+6NE0NY6H7Vis3NRlXXNTZ+q7mRYc1JicodrU88qFfgM"
    "cYSKm8SCYDn+Vo74yVeK472TcTL8Z//mf79ECFPHyNArpQf3CvTgXqgHt/kBGuQHDPjDie"
    "d6NMs8mo/qBJjOqI5sH7VARB38/0Sw/OpsgdUTQbC+KiagOUADrD9tfsZKtkJbSqTppUS+"
    "qAqvD1ygv2I5EmJ0xGvyoRgresMYlJXuMD9ku3z0vAumA8LVvPqsf4q4hhEQITLYzpDK2u"
    "LxwuQjxwt2begikhIJ7xgRLTd3I302MYs/QwYdyMdMWEDtuVgDeO7CLyaGiOf/wsQLyIGi"
    "qPl7dM/fzhmriN/Iu4lwiGWFR/FilWuYx6H0FyYjRczFq7/lQZgvCIYVnZ84DkCyq0qVPP"
    "gmyCsRCqnPEI5d55m+KbFeLZRb4B5cqlCu3pL5WvyDosTtC/EonxPKmlfN58iD1xn/slJu"
    "+NJhOsfSfo61pGh4JJh4HI9OFaLEgHSmxEqM3OtAe7Pqqrb5tfXcDVKiqulZSgG3riWdaS"
    "0kfaNW86AM0JUkL65D+NbG6hdBWn1mmjtJu9castfquu0zZ2iprjPV/cnTP4lZrfntAkTj"
    "dPCaPLV3eFjGj3V4mO/HgnuJ2H/PGdCsaMGCYksLkAbY8jsEqoV0kfgv1CytrnBCAhK6CP"
    "6VjQzjTa0w1Tncs1mugDZ0rb4vILFdpQm9WlBTAqwNbCoObArRlUZx5eCmK5H9Fcy+RKZs"
    "JopfDXRKLLJYsNNF/+Gi/+nyrWKdwIXEP/Fzdhps5G63yH/ly3FG+WzYz5DwGkBle4BF2I"
    "T4KNVH+UwlrqoWy13lXgJ/EBo7L8SHCBn49JTHqmhWtAMHm/9ifoi+7Xt39u49euTHmwde"
    "qTH/37EJGuOZfB4wzF8YHHZn6B9qAjSmQ1il/xCOtflVmO4fqsaVOB7nJ6dv8l8YOVO+up"
    "f1aD1Xi4d61j4g6v77C3R8tH/CMTUZP4kolNBVUjUhcdMeLWwPHY8Go3EVisSAtsJknHCe"
    "lMlc+5ifufYxlbmmsmn/OX2uJIzHoNrip0tI1HxTvoAJNjOEL985kgDTea2Do+rhP07Ql8"
    "ubnJpjUKrB44iSIRGcOrvA79+dISghNZO1yIBnQTgac5DtQEydGOvr6e9q1aRapNBILSpl"
    "K/I4EbxaZI5DNsYi2EnsvjMuPlLbDr3Qvoo+Ej9nhvix/AZt2qpIfn2VdZGEbc7KwEitac"
    "GlbYJBl5gLmqItgU9EYubyrdkbtyQ88uI812QUUcjmLAcIS1S6Ifa44kcGIqOFa49hbNP2"
    "rwBNwmkfIBb0ngz414wegSSdLGtEalC30CgBww1PjjckocsZJ8SDkIJUS6QbCU095QsE7O"
    "EE6gzCioE8JyS3gcyCUk1CUwaKfnxWhG0wMMxEKpV4AlbPOE1O34WiLxmPWNaeIN6jsqM+"
    "DqWxdSEef4kL0K+niUEu4hoxM+5KS2C2Evoavbm1mhGvrA1xg0hb328R4cdLui0gJ/thMV"
    "szkfuqxyK+unRyWIic+AzhIMyVz5cHhJ2+nADwhTiuTdB05CATM8hdQZRxRdIZBLvKK4Eg"
    "jJ/rEcSVDvQPodscwbntZeTTKIq0FTg1YBVFR25IyCryUBRGY2no5/7u3/Huv/d2vzN+/X"
    "2/e7j3Zx2p57BMdsRhfnLEYSo3QuygKvieA2iMbD9wwNTAHG+MbcolzFPOSExsI2jajW6/"
    "/3zBmYtPdgeObYH0bzljUCOuPt3261Cld1hGGOWjCoKgMjrO+f7U4Ty7qoKQAtTZ+q9T2J"
    "mon2FU5T9xqC3E9VpSskTJqqqojgGtC9NvF5++FkS7HEmVkDwH2MJg1XI1VwpKrqQqTjhZ"
    "YaqA3Es2Gaf0mkSZlcx41fUt5HltrCpH6deHy/tTEZj6C7u5+3R533+84xdAyPeg+u4vrP"
    "/p5ur2FGFrTEva7tcdtUB9A/rZvVStNxqD22Ady5BSm5XTV1iyMh7HXBHraeANon5+peG4"
    "h6i95QiQmkFvKnQw4yzH8iDKUMSsUR+CDqFgO5piP/Q5W8KhdIaeiRuIfYaeZgjzv+hwqJ"
    "ihJnQcD7BBGGCxKv0SkLrTDXH0cqF5zGnzePf4hU8C1dVkjKgROIFbsmr7ZsjCnABc7oxM"
    "wwoxFamTPYHWp0sHGILwzgNN+A6CItaqGs3Ac8bgKhNVrEUULiMBVzefRdF96JGA+Kj9PW"
    "Th2fLhVyskpFAeZMpdzQq7UeDGuNq/Sb9OG2CXL3tvbx7SxLVqUj0O2VJdF6pnbHb19guq"
    "K6dQDarHIRvD0TvgC1MZOqfoYO8Ageg+m46IR2Rzw6WPXc3XQOX4qUjeiFQRIjFJCVFOwX"
    "//+Z7YooNHxtpQfs++nGseD9UwnpDnkI7trmeOcRarjVgfX59hrkVNxm1EF6hi5ggqS7Mh"
    "WRJdNwN8EU61rfjyiOkA8xJVMJbH172a7oJf2VaUOdD8TIwhLKvhVRWU3UFz0ws51bbiK9"
    "oqtj6mIl1ptxFJVGaE02X3IIQChdnl24orFaC1AkxtXzBbDFFT8gS8iq3sRAy7MVc5FvW0"
    "sqQRt+7AvfmuzAngi+7a4kA+I84sXg/pu6bsmVhoAXa6KGjzn0iVR5q3zGZoHmGUiN+fyN"
    "q9oZUfBxklsUUFgvnsYcMO9QyI4xeFdfIi93+OVdkICzf92gYJ6hQk+AYluHRjvxsIhtpw"
    "XOCGTCfTker+GK+oBeb9sPQJRjbnV3UrX6wlFNAWDLSO2yIKuIVmzaabsFL+KWVoqeuhio"
    "M3xqL5TdK7rZq2Qmmh7a7ZdtfUJ4Xr9e6aWYxgBXhtC/tJIfXt8+RC006Oth2x/LyibEet"
    "Ta+r2tA3ynOmyOWCrAhX6UYkXRXB43jItCmk2Q89zLjcGyZmew4U+/NRLG9/nkXS5tM1T1"
    "XOpmRZjS4bWtuuABkNn6BWRLzsAASpzUggO6DVUfBW30SgDVbKR30zw1bKBCsJfa1u44AE"
    "7BZSviGULqXpNavPUkvmmmRuVBWvtptWzb3MLIMfSn5WQZMC23gMSm8D+Qy8ZJBBo1YlpM"
    "4PnQnU7FVXxF9SNPQIP4b473nOuarB/QeyiEilEx9UQ8za75UQs/Z7uWIW3PozSTm+xZ5m"
    "Eu/ViBcH1Jl+ImHjDwRlUKhJTkUdFfEBnKpdRAcIs5nK7337PM05ZqsVVk+A6UwOLDNoqA"
    "VaNw7J8hcfWtE+8xvzjNzKmczlUpmLcplTyczUNVRGXRVqxKE0JkZN7+rqFT5h18FDpYCW"
    "xXMcavvwfFhqSR8WLOnD9JJ+5p9WBcnh+M3l5GOXVrQpAcgp+vDy8QNEV32Q3eX/CJtbn8"
    "bc25zThGY/2fKaDxRWv9Ow/CqUZmRIBIIqs6AeZ4N8l4onQwxoTVtkFZYqQYKwjKgvSVYf"
    "+avnUL7puFnBevktHxYQTWi/loV/+QVyd5SVWQvwvp5uENiD9V2vbGUm8BI29bfbKorVhV"
    "fh2gxNIf1JUQ+VrUSyGp8zHmc47/L3ihrehI0ycqaLPHA4SQRu0Q50Djr5eHyEXrA9If7y"
    "Gftr2S4iUyI0mVQxyMQAGxNGw5V3whbkAiuxEASgowpXA8Uu4TxgaVo1zmjTxoS0MSFvHa"
    "/wekxImfTVvML69XMqMiv7bwkN1p5U8egEbicnxEPc674a3xGEw16N7YgUy/HPpMhKTI8E"
    "iHIlTxY8FX0TZROtJJdf5E9E5jlFnPoWHyDLuhDmOfYYIkNkox4o1WORsF4P9D5YtuWBPp"
    "x4QwEgsvT1e7q8QrFMxoRYJ8ZiYcRxn99GLgWoc/ZER6gG2Cf7PbUzuq82lBsP8PKy63p6"
    "xIVFsurEhSRgmyPB3n69vubCKrVJhBlx/qbY1Lcnui5CPfyAuBlHPR1esZzdm4ZNLARaKu"
    "t7Q6SH3StUlv29Xb59HWYheG1QXXwiDyLwSkJjYZe/65m4JOyXNADvCsGeTSF/J9JPaoc5"
    "/G/XxrOSu5zjgv+3+12vt79/3NvbPzo5PDg+PjzZO+FjBTbSt46L6pdd/QCVyGLLJ12arI"
    "0AyyfIdkWAVahZs07ZNZ1InSHEZmZb50uzOdneZTp+SBE0fB4yiUfGDqNEibnzCSOSbqRf"
    "l5B6M8Td5HwzLvvOpzpFPh9oC1NJFw3oC5cFKJsExO/mPWJZ2bcNed6ErDunsCFJV8l9lA"
    "Grc5eLVLyzGd2qb+9GUlJ2FRJEQLTWNTwypIBKsVn+QMD5IPXGnFtb3t6D2qyw0zYgsWYL"
    "Oz26FGoWWrJNFG61g3wWul3aQW4lwYom0yzYtTr6ddnbTcgT3xpsauMS1BOjtT2C8+zlXH"
    "awAtRWLC7aUBRnMUKdMsX7xKPmqJNhfFF3ukUWF7wY85qRJR+zKzZo5BqjM/lmhgFakXHT"
    "ynR5kUNaiHsfD44PTvaPDuaG4fmVIntwaPvNt1+8EC+7XXK+zhwB0VlnrhkXvpbqZrCpKm"
    "BYDd9C7K6l5yB/YpCZ3ZAfExkBWSouUjdsbyLk8U2dCn/+P/y1apI="
)
