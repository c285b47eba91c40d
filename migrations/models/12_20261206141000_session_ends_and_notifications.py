from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # How each session ended and who ended it (GET /v1/users/{id}/sessions); sessions revoked
    # before this migration ended for a reason nobody wrote down: `revoked`, by nobody known.
    # Where accounts signed in from, for the new-sign-in mail, and the switch that turns it off.
    return """
        ALTER TABLE "user_sessions" ADD "end_reason" VARCHAR(32);
        ALTER TABLE "user_sessions" ADD "ended_by_type" VARCHAR(16);
        ALTER TABLE "user_sessions" ADD "ended_by_id" VARCHAR(200);
        COMMENT ON COLUMN "user_sessions"."end_reason" IS 'why it was revoked: logout | revoked | refresh_reuse | password_change | deactivated';
        COMMENT ON COLUMN "user_sessions"."ended_by_type" IS 'user | service: who ended it, if anyone';
        COMMENT ON COLUMN "user_sessions"."ended_by_id" IS 'a user id or a service''s broker user';
        UPDATE "user_sessions" SET "end_reason" = 'revoked' WHERE "revoked_at" IS NOT NULL;
        ALTER TABLE "users" ADD "notify_new_sign_in" BOOL NOT NULL DEFAULT True;
        COMMENT ON COLUMN "users"."notify_new_sign_in" IS 'mail the user on a sign-in from a device and network not seen in 30 days';
        CREATE TABLE IF NOT EXISTS "known_sign_ins" (
            "id" UUID NOT NULL PRIMARY KEY,
            "device" VARCHAR(64) NOT NULL,
            "network" VARCHAR(64) NOT NULL,
            "first_seen_at" TIMESTAMPTZ NOT NULL,
            "last_seen_at" TIMESTAMPTZ NOT NULL,
            "user_id" UUID NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
            CONSTRAINT "uid_known_sign__user_id_7c4e2b" UNIQUE ("user_id", "device", "network")
        );
        COMMENT ON COLUMN "known_sign_ins"."device" IS 'the user agent''s family: browser and system, no versions';
        COMMENT ON COLUMN "known_sign_ins"."network" IS 'the client''s IPv4 /24 or IPv6 /48';
        COMMENT ON TABLE "known_sign_ins" IS 'Where each account signed in from: a sign-in from a pair unseen for 30 days is mailed';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "known_sign_ins";
        ALTER TABLE "users" DROP COLUMN "notify_new_sign_in";
        ALTER TABLE "user_sessions" DROP COLUMN "end_reason";
        ALTER TABLE "user_sessions" DROP COLUMN "ended_by_type";
        ALTER TABLE "user_sessions" DROP COLUMN "ended_by_id";"""


# The models as they stand after this migration (aerich's snapshot; a unit test holds it to
# workers/models.py, so the next `aerich migrate` starts from the truth).
MODELS_STATE = (
    "eJztPWtz2ziSfwWl+7BOnZw4smV77KurUhzNxBc/srZyszeP4sAiJOFMEVySkqKdyX/fbh"
    "CU+DZJSTYl80tiAWiQ7Maj3/1nYyx0ZjhvO/2+mJhuTzwys3FG/myYdMzgj8T+JmlQy1r2"
    "YoNLHwwJQL2RmotDZRd9cFyb9l3oHVDDYdCkM6dvc8vlAp/WuDXZvsvHjHhAZEy5wXT4RS"
    "YOs50mcVxhQwN1iM6HzHEdIkxjjpProg+zc3OYYx6yx7CFTJnNB7xP8fFNYlHHmQlbJzZz"
    "mPumGX3KW3zMxOT/nDD4qCFzR8yGh/36OzRzU2ffmOP/tB61AWeGHsIg13EC2a65c0u2ff"
    "16+fFHORI/4UHrC2MyNpejrbk7EuZi+GTC9bcIg31DZjKbukwP4NOcGIYigN/kvTE0uPaE"
    "LV5VXzbobEAnBlKl8V+DidlHbBD5JPzn6L/VqwWGadrNbU+77/Y0rREjIr5ChB6qqS9MXA"
    "DcdBFRf3735l0iRLY28AEXnzp3e4fHbyQKhOMObdkp0dX4LgGpSz1QifQllq2JDRAsjuqL"
    "EbWTUR0AieAbXrcMpv2GJaqX691Hoo+m/IhtyOU617y1+5e3TDV/1Ub3QDLOG2P6TTOYOX"
    "RH8POwlUGD/+3ceWRoSTII2Lnexr5RPS3ZhdRYYl/uN21EnVERAoSh1kODp1d7CQo4I9pq"
    "H5MR+0bEgMAB4B0w58s/CXcdZgwId4jJgGDqxCpDneOjHNQ5PkqlDnaFqSNXThHCLAAqvS"
    "8Q+VTXYT84AULMaODcL4P/VjsPAWBUKgVkX5gEfZshwjTqxunwEXrw1kqmRRgyQhBdgb71"
    "/6gOeXLfBw34QP0Wr3Nvs2Ygv3d53b3vda6/4OPGjvNPQ+Kv0+tiT0u2ziOte8cROi0mIT"
    "9f9j4R/El+ub3pRi+dxbjeLw18JzpxhWaKmQZrbnmu+K0+1sIb75vFYbYSVA9D7iDVt4TK"
    "Pk4yyQzMZZmdHQBbA4HVetz0oetYzHSbRMANN7GAp2Y6HLQPc0Lh3pvBvef6EsKrWwK2Vo"
    "zTD4Csk92v7r5+grtHAWrwmMjcI6riqP0ROCw+ND+zuUTwJbwHNftJ/LwSYr+qabYTpcvW"
    "5W636WwhcQYXFHw7fDFz5dffweq+u7zoNSSKH2j/cUZtXQvhGntES0RaFmPjXePWONpCTT"
    "qU2MHPwJf2dQcTnbtXYthI0iv4fc1MnQKO0gwxzKlP6FhwSun7KL2fwckE6B0O4Wyy2QBw"
    "5JCvX/DMaJKP3atur0uoqZPe3debC2hMObnWLP5/4MNL0y2gAECiRxauWgHPLQvlZ+uG+A"
    "r7P7Rah4cnrYPD49P20clJ+/TgFMbK9413nWScHh8uf7q86YVPeGzIVgvAMhG2h8YYFdLl"
    "nzBUlYWg/OQIyTjvj3OIOO+jF+pSwsGusIDjoSxpsT+F5sQFvzYkP+uSD8uRBwd55MiDg3"
    "Q5EvtiaMaXKoZkBbF7KN6AqsR0uTsvfGBEwHbwxFi/zlDhrNiREQLavQW9kTNDwERTakyY"
    "E8f0/9zf3iRjOgwVFVB53yV/EYM7Mb7kxUTTdYgoiI6QyOkjdu+6848ozi+ubj9EZRmc4E"
    "ME/yAYl8B/GKrGf3n8c0tTauIiJ00YqtRRUzG8b/rulPIniIBmgiYsHc9hqN3DczvXkd7O"
    "ONLb8SPdZvCljlvw8gxD7R6qN3J79sV4TE29IKrDUDWq86F6q4xkz8ol7paNLKbqfRnF5G"
    "d4J/OeD83LRJ+nYHczSz35iAM1B0ZqPK/L088jZjPCaH9ElMcUwQmYTrhJBrYYo+ISW/bV"
    "b/hpUW6TiekwBk3CJocHRKdzB50OPIt3VHvZ6JA9nU15H17AZO5M2I9vCDVTntiUmtDZCG"
    "Y3qOMCqIBpzXfqwzTLoH3mvLXmb9Jcon5daOq9p+Jf6rmN32t/qSr5Sy0JlPdKW0JUWb0h"
    "vUJwFRLJU/7NgVnHHO0AD7aYyXZY5M7ccRkseFOgM6ADoE4+m+WmeWh/txSgSwCk8oTpG9"
    "wjyuWX6RF51zpCQzL8fUzeHZ1WgwIDbgOLjGdsCT4kBlx7blTabI/3XFlaR2FrUlea1LWH"
    "Ru2hUXtoJAtC1wMK/IWBtyprJEhCof5MUWg8oFrfH5pTFPrCTB2wSxwGCNSJIYYgkAB/Zj"
    "megzXOqZysnUAkCFVRGsmhIB01z2wkHLaM8UDvYJsPR24T/uQuPhYlKe46/uMH0ipN9kJP"
    "TpV4aqGmSkKNF1DgLYsiLHQUbqtCERaLtBr888wW5hBwqyeZu+7HcDSkuj5FQJ/2gVrX1X"
    "CwoVWufKAOWyfHC68n/JHl53R/3bm68h2balfyV8alSvfqEkQOwm2PMzl6wEtfcs8zEyN2"
    "BBxr7mv0IN8u40cdIVTe+lFLpbVUWkuluaTSO5DJpsyeX0BLI1kwDQ1pPiWb2mr0kst8Wj"
    "69ByQbbB/QRHxwIsFlqoBHNoeLKystwWZiCGrpcd3SI9K0hPAYAau0DebTdedi//5TB0XI"
    "CUxtE4oLmMBffArLWBqa77sXdwD/uft/1ZAoX1F45auUeWrOt+Z8a8635nxrztdH+21n4o"
    "4upK9EEtcb7M7keAXswJHmOV3kTcVlMfPyI7kQpsn6rnLYcM7ROmIzYHCpzQI2mKeZ30bH"
    "JPCChkq3RdwR9fzOHGl08fJycWy3xWQ48hqmfbIXfpE3TeC9h9xxma3yDcC0+pibqxpmvA"
    "8s6t0bBKquseCFIwPSOW35fwF8++OrzFuXRPb7XI7U7zMcqd/HHamLhi9uQ9wionHAdQwA"
    "pJgGzZo8wKFSRkJZf/Cz5/ZlUdudx9H+QQiDUTPLYWwBGSHAA4BuigKLlgIkMAVBzAINiE"
    "U9V4CV+JsPt7dXIXb1w2Ukwv/m6/WHLlBDEgMGce+CjtvH4FrgNlwU2sTmheLsYoArhdpV"
    "7bB57lg77MdEHWLiaqVJkjlJTZ4VyDO0KaZmlQ8qQJAIWE2CFUjg9EVB7C8hasSvEgase2"
    "4ymhf1AieLY+FlplFjWIRZemqe52OiGnf3rfbxppTsm2aaPImyhMI9Bljh8MqQxl05bHnv"
    "vz3691o/m476HdbPWnpJqocha6pXheoJxhj19sGwQNSBlqF6GHJrLG7+e59JdaSqG4Ahgp"
    "Lnlf7mFsH4OlwQq/I1FV8N3iFQkeBsT8md4vex7Gzm0H/nd/XAaYXN/+XpqpdOHkrDfU4c"
    "6QuCWupERXcMvBmMVDgj0k2TCBMDsh/m8AdTySjJb5PWQeuY/Pype9clynRNLu/Jzderq5"
    "V13OihUDQ5fwioujruBIf4vloX1dN7V8XY8NL353MkIqpNy6v5SS3RqQLnNYc5GClfELPJ"
    "0NVHsoxXt2wx5SimqbdfnC8ykIw7zkSmz1iZMShAjaBCNE6HHvuWElwThduJkySL1+r+o5"
    "etQ1qwWle3Nz/5w6OKpVp5VwnlnSnMpGwl6ct9AVBh5VBll7nk/frBiN9CXGMIssL4b3z5"
    "fNElqEMloVcurBttneZRjrZO07Wj2BfJ9Iyiiy8qFxHEQ4A7qH3Zdvk6RORxgpde+mWiht"
    "c3yQo3SR1I+yp2Vh00sNv09VwSyomkSbArCKTPxKyg6CnfXGqqQZxjY9lHQMAwmX5OmIm1"
    "uKDBZgn6yU3KpNtlIawTt2574lal/peeiI1084DX38xjIZBDcxoJ1MS4B8ds/CA90i1mq6"
    "yTpq6c5mMGgp/R9Z2qYYYhZuhDT9wRt/V96QGqALFe9YhO2dNZVpeq4Tq7arVCSWtFf+MZ"
    "FP21Ou4l/UhLXfhhyFqIqjSTXRvS6hjNOkYzhQeduA/iW3eaxoIGurM5UDlQY9P8DKic1S"
    "Ezm7suVrzn7ggNk9xGNbY5BAgZHOWMkMEcuMBuYjkS7pI9mNh0vIqA1CDeo73cliFOdRMP"
    "qNOfVOA0yuJZbaAWPFV7ZAlBbBlFhcJgNd+ag2+16NwQNGFVZ8RELUFqznUFznW7VFW1W3"
    "N5XVVow/nXVQm6R2GfxS7wnDrKLaFz5R2WJbNzTbmRzg/K3jzsINZzyskN4pyZvJqM187B"
    "psXYwLXNXDOA28AAumxsGYCVItxfEGYHWb/1V712GFWF2vJ6si0hquxKZbM+t6T1Ai0g/r"
    "IgXgVjPCnwI7wzZBnfeC7DG2Q8hHeWCJsMOQifZGKtbL/ciGccdfHT3ASdc2pW+yDIzqS0"
    "b70/Ojk6PTw+WuS1X7RkJbeP5+0wYd1rCkUlmLME8B3kzLedQ6sFsHx7a3cFMKdkWYMtrG"
    "rwKnf1QNafLVMxMQi4NTRu+FyKkn6uO5dXGrAVWqfX6wIi71fnXrZhBVRE8v5iiz5zHKZf"
    "eFXXGwnyd2xMM0sKt/zRmirknlsWf2QO8WEIRx89AcKzi9WcxzAjfIDGdenB18eIA+k1pJ"
    "MHNhA2I0PMsIl9Mi0csZllzAkdUpXmMiKcb/JRaxbWs7LprE903GR8sR9b7GFy78EWj8rl"
    "61xWkMNOpqNSBN5KyJ+ykNwbTx6Cn53rv38JECbfCREWR1u5kkW2MpJFtvxkkbUdqAJ2oA"
    "E8nNmWreTAvKiOgFUZ1YHtoxaIzHf0nwSXX5ktsH4iyKOviCluAbCSIW57mNHaDle7jJeX"
    "AivCI97zoQlY/8zmSdxhoDeTL3S8cXjJ5eQIYUpnmfQceALkK1WeoXNisilwESoFUZM4Lu"
    "pMMY06GYspsHfAWeCnx5i/rFnJnsqh/i74tm+t+Zu3pAd8iD0xcWPAeWwwMqZz73m46H4z"
    "gU8Zn5M//CTsYz7EffOH5GEWrTjdH8oGhJzNWCa5kZnt+vCLEjGD/bYqG/lYjI98rDwjef"
    "fjBTk5PjwFTE3GD/L29rlKL5c1UaxT9fLWUGMobO6OxkUoEgKqMo9Skh1cf0ZMbxlo/z97"
    "LMKOhKFq56BVslfbfArYSRZ90i10EbAqr3VMeXD/H6fkS/c6xSZH9qyJbWHRdHV97ON5/+"
    "acoIll7tnq8MxCNt4UxBAoi3gVPappstsuTrMq+6tKrGUuDbQNRLBLkTkMuT066MjuOwf2"
    "kRsGAY6Sw+c7BPk89XOuyR+vQysdXBXRry+yLqKw27MyKFFrWp7SBqMoSywYTem27zAXW1"
    "5hoW2bTUFOKndQBCG3ZzkEM9vabFFsnXqZSF/HCqiKGgITwN6xAXzNqIckaSRpI2KDmplK"
    "CRyu2d54rzZB3srGMh2tglRLJJjv9kxmqLWgl2HQpmcfIt428KxHKolGTEHRCc9KqIEKhr"
    "k0QUVy4kamb8K8SY9YVZ/g1WwomgU3DFVh7UI4DS7NQH81VQzeIi7hIWKt1UWk5tA3d/GW"
    "S9azbXljXzamOHAeryGs+H4523Yi98no4vDqCgUYX3TuLzofuy8VXyzDuhOYAz/cO50fkH"
    "r6fAzAFyYsg5HZSJA+NUGcHBJugiApBu6+skoQzN8McgSzCMOolHc4Pb4TwXvbnqZeKHW8"
    "RwWOiqwr1ydkEX4oCFNhbujXzv4vdP9fB/s/aL//edhsH3wvw/W083jbtNOdbdqxwqxyBx"
    "XB9wKgwshW5aBNYY+pwR2spWKIPjUIJrUiNz9+voDDxWH7A2HoyP3rYoxixOXHm04ZqrTa"
    "eZhRGJXuBNVOiMh2nJmAM7uogBADrLL2v6Slq9Vu58J4OwPj7eSauUXPnzDUDuJ6I/WgDV"
    "oC1SGgTWH65aqcbwTRFiCpEJIXABWO7St7auTzVc1wVY156gkjBbldczKOyTUR91TjeRfy"
    "Ir1Tkav063337kx6Ff9mXt9+7N51erfQgEw+vJ6A1s7H68ubM0L1cd6yI5v2WuCOhvHe0w"
    "TSZJY+D8E9Y+Fzn1LPy6evsdS55Ak1ZeZLkJQysR4HrnbN+UriHr32ViNAbIZqU6FBTThy"
    "dBu9DKXPGnfQ6VBMTFdWQvK/RBqUzskjs1y5z7DIHYW/+HCoDsOK0HE8oBozEYtF6ReBrD"
    "rdCKAXmOYx0KZ32/sCk2BUiucjqrnCtWJpP16SLKZw0eRuspmsrq3xBE1mJnWSJ6j07dLA"
    "A0Fa52VmaAE7TTp07IOMLOtBU6KzKe8z6YVrMherkYK07RKHMZPAqMMDotP56u5XaySkFB"
    "4MMeRmCZtODHhrTO2v0q5TO9il8967FctR1wffZaonbPa6PngDbWEqQueMHB0cEWTd57MR"
    "s5kX/L/ytVvxNVDYfyoQN+KJCAGfpAgrp+B//HzHDFk0O2FtKLtnx5tr4Q+1ZWdCmkE6tL"
    "seAeOmz7iuiK/POBfGtV3uLLpQFFsUblwRXdcDehGsAbmL+LJZX+DhpcnC9ivj605Nd6Hq"
    "re8iyuL1gcqjLFqVaBfxpfxpVsTUbvoefd+0u5CPshSvoQBGs52HtCAVn3YiujUxmHgma2"
    "BJqb0ZqJuuFBnC9otbyQIw5wv/VFtgzLNDQu7LC2N67Va0fW5FyZTMaxBNhl6LdfQZ/K5R"
    "i4cu82Hva9TVzZlLpK9yGaPd+pOe1DqbdNRvp/SeR2cjFaslK+NGYXeQ8ltC6VxK2brM9a"
    "sg81YFM9ZFLUruZVPX4FJykuI6MlyHQ1AV9i9rzEZzDPpDRwK1KtGDeCgmmLpEtci/PNZQ"
    "lreG3wvXW5WK6C+iM+lRJD+oBJu1/mz/siS39jD38F6MeGHAKtNP2q3/IhgNwvvsTIaTeM"
    "XIudskfECoOVduji/vrrbAbLH8UhGwKpNDlZjmOkrd1CfL3xwSSFpahhZrzD4akMktTTkW"
    "FaFGGKrCxCjpO7t+gU/qdeiQFcs0GobaPTy3cy3pdsaSbseX9CM3C6auMzda8juuZaIWL6"
    "hTQpAz8m76/h0qxN9JNR8c+Q8YHMjsMy+5iFL6wUnjq/36QjxyvJml1u/Mz0KBEeomkfpw"
    "pRasxt3wQmXbn4Vz9ipv+9kUHI9k5ZG/Q8Xcn6tkQAL+vS8gqih6Pjo8e1I8auP6Lhe9nw"
    "i8gk795baKOur8Vmybkxl6gSjqkbwBGauo3QO+FeOE4uHpe0UN34aNMhKzpTss3iQSt2QP"
    "E6ievj85VkXFVndc3sh2kQZjX2VSRCETAtwe/6jZiJlLcqGWWDICmFhyJLxdAmfAyrTaOq"
    "VNoG593sMyAFLnOcnOc+LLsGHUlkpysr0ofTK7SWBBhVKb3MHqvru86GXlNommZornFyvv"
    "35GY4GxHaLBxL4+ecK1GiouH7Gs+6d/h+sOe9O0IxAw55x7Lyvo2cwkHIc/L+yDTxy+LlE"
    "bSwOHzQCAMzHNGgPo6VgKR0S3MtIUxRs8QL18pRizpzA9bwhRwq2Z+q85J/EwOIF4GoLd5"
    "awxtxg3EWydamXq3EcAqZ3loSNGAOuywpXZGWq3bZV7t8YCuzrtuJlW2HytYxi8kArs9HK"
    "ysQTwbcYMFDiM439Qx9fpY16Wrh+MyK+Gq58PUasdx2FI1j5+J9Lh7pchyeLAP21eYOsHX"
    "RtHFYd5FhFZJrK9iwbueyyapv+SyWDWjtsFB7Amm1d0zhSynR+c5d7kqqfxDq3V4eNI6OD"
    "w+bR+dnLRPDxa1leNdWUWWP1z+hAGZoeUTj9CsPcDSCbJbHmAFQnc2ybt2mM37oyTOVfVk"
    "8q10OeYppjWdzmv2HU49BBM5x4SDT1FsNZZxkxthLcXe03nEKbCpidlK060tAZAq84Ul7Z"
    "EbybSGm6oAhtXwHcTuRlJ+wRPdRKt6ui4+AFKXayqoan/Ry+z7vwHBEphP"
)
