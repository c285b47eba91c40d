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
    "eJztXetX28iS/1f6eD8MOWsSYjAwsGfPMcSZYcMjC2TnzuvoNlbb7ous1pVkHM/jf9+qVs"
    "vWG0m2QXL0JcFSV0uq6kdV9a+q/mxNhM4M521vMBBT070Xj8xsnZA/WyadMPgj8X6btKhl"
    "Le/iBZc+GJKAei01F5vKW/TBcW06cOHukBoOg0s6cwY2t1wu8GmtG5PtunzCiEdEJpQbTI"
    "dfZOow22kTxxU2XKAO0fmIOa5DhGnMsXNdDKB3bo5y9EN2GF4hT8zmQz6g+Pg2sajjzISt"
    "E5s5zH3Tjj7lLT5mavJ/Txl81Ii5Y2bDw379HS5zU2dfmeP/tB61IWeGHuIg17EDeV1z55"
    "a89uXLxYePsiV+woM2EMZ0Yi5bW3N3LMxF8+mU62+RBu+NmMls6jI9wE9zahhKAP4l743h"
    "gmtP2eJV9eUFnQ3p1ECptP5rODUHyA0in4T/HPy3erVAM027vrnX7vr3mtaKCRFfISIPdW"
    "kgTBwA3HSRUX/+7fW7ZIi82sIHnP/Yu93ZP3wjWSAcd2TLm5Jdrb8lIXWpRyqZvuSyNbWB"
    "gsVZfT6mdjKrAyQRfsPrluG0f2HJ6uV495nosyk/Y1tyuM41b+z+5Q1TzR+10TmQzPPWhH"
    "7VDGaO3DH83O9kyOD/ereeGDpSDAJmrjexr9WdjryF0lhyX843bUydcREBhKnWI4PnR3sJ"
    "CThj2ukekjH7SsSQwALgLTCnyz8Jdx1mDAl3iMlAYGrFKiOdw4Mc0jk8SJUO3gpLR46cIo"
    "JZEFR6XiDzqa7DfHACgpjRwLpfhv+dbh4BQKtUCch7YREMbIYM06gbl8MHuIO7VrIswpQR"
    "geiK9K3/R3XEk3s/aMEH6je4nXuTNYP59xdX/bv73tVnfNzEcf5tSP717vt4pyOvziNXdw"
    "4jclp0Qn66uP+R4E/yy811P7rpLNrd/9LCd6JTV2immGkw5pbrin/V51p44n21OPRWQuph"
    "yi2Uek2k7PMkU8ygXJaZ2QGyNQhYjcdNL7qOxUy3TQTscFMLdGqmw0L7MCcU9r0Z7Huuby"
    "F8c0PA1opp+gGSdar71Z3Xz2j3aEANHxOVe2RVnLUfQcPiI/MTm0sGX8B7UHOQpM8rI/aL"
    "6qaeLF1eXc52m84WFmdwQMG3wxczV379LYzu24vz+5Zk8QMdPM6orWshXuMd0RGRK4u28V"
    "uTziR6hZp0JLmDn4Ev7fsOpjp3L8WoleRX8O+1M30K2EozxCinP6FnwSql76L1fgIrE7B3"
    "NIK1yWZD4JFDvnzGNaNNPvQv+/d9Qk2d3N9+uT6Hiykr15rN/zM+ujDdAg4AFHpk4KoR8N"
    "K2UH61boSvsPt9p7O/f9TZ2z887h4cHXWP946hrXzf+K2jjNXj7OKHi+v78AqPF7LdAjBM"
    "hO2xMSaFdPsnTFVlIyi/OEI2zvvDHCbO++iGurRw8FbYwPFYljTYn2Nz4oBfG5NfdMiH7c"
    "i9vTx25N5euh2J92JsxpcqxmRFsX0s3oCrxHS5Oy+8YETItnDFWL/PUPGs2JIRItq+Ab2R"
    "NUNAR0/UmDInzun/ubu5TuZ0mCpqoPKBS/4iBndiesmrmabrMFGQHSGT02fszlXvH1Gen1"
    "/enEVtGezgLMJ/MIxL8D9M1fC/PP+5pSk3cZGVJkxVaqmpGN83vXdK+xNMQDPBE5bO5zDV"
    "9vG5m2tJ72Ys6d34km4z+FLHLbh5hqm2j9Ub2T0HYjKhpl6Q1WGqhtX5WF2rQ7IX1RK364"
    "ws5up9HcfkJ3gn846PzItEzFPwdjvLPfmIDTUHWmo8L+TppzGzGWF0MCYKMUWwA6YTbpKh"
    "LSbouMQru+o3/LQot8nUdBiDS8Im+3tEp3MHQQfeiXfUe9nqkR2dPfEBvIDJ3JmwH98Qaq"
    "Y8sS09obMx9G5QxwVSAd2a79SHaZZBB8x5a83fpEGifl146r2n4l/qua3fG7xUlfBSSwHl"
    "3dKWFFV2b0hUCI5CInXK7xzodcLxHODBFjN5HQa5M3dcBgPeFAgGdIDUyXdmuWkd2p8tBe"
    "QSIKm8YAYG94Ry8fnpgLzrHOBBMvx9SN4dHFdDAkNug4qMa2wJPSRG3CA3Kn1sj/tcWVlH"
    "aRtRV1rUDUKjQWg0CI1kQ+hqSEG/MHBXZa0ESyh0P9MUmgypNvCb5jSFPjNTB+4ShwEDdW"
    "KIERgkoJ9Zjgewxj4VyNoJRIJQFaWRHArSU/3MxsJhyxgPRAfbfDR22/And/GxaElx1/Ef"
    "P5Sn0mQn9ORUi6cxaqpk1HgBBd6wKKJCR+lqFYqwGKTV0J9ntjBHwFs96bjrbgJLQyr0KU"
    "L6PAZqXVvD3oZGucJA7XeODheoJ/yRhXO6u+pdXvrApgZK/o1pqRJeXULIQbr6gMkRAS+x"
    "5B4yEyN2BCxr7reIIK/X4UcTIVT+9KOxShurdFus0oDexx5gpI/NiPkXAb6rTj5+umUGTQ"
    "GmKq7/xB562GHI8qzEvrWyBP7esDF/C6bsE7Pn53CllWzPh5q0nzPpbdV6qZw/b9bfAWcM"
    "tguji/jkRJLLDAuPbA77fVY2h82EXjRG97qNbpRpCZs7Qlbpo6sfr3rnu3c/9tDynkLXNq"
    "E4gAn8xZ9gGMvz+bv++S3Qf+r/XA1D/BuKSv0mTcXGYEifWo3B0BgMjcFQRYNhk5rvDdoL"
    "5xJikqT1Bm9narwCDRnNw6rkzWBmMfPiAzkXpskGrsK5OKd4qGQzUHCpzQJHV88rv62eSe"
    "AFDZWljLhj6sH1HHlW5aUz43jdFtPR2LvwNCA74Rd50wbde8Qdl9kqTQN0q0+4uep5lveB"
    "RUHRQaLqnrG8ckBFuqYt/y/Ab799lXXrksx+nwt//j4Df/4+jj8vGvVZh3BPZOOQ6xg3ST"
    "F7nDV9gEWljIWy/phxDy1nUdudJ7iKhDAYNbNwdgvKiAAegHRTElhcKSACUxDkLMiAWNTz"
    "Y62k35zd3FyG1NWzi0hihOsvV2d9kIYUBjTi3gYdP1aEbYHbsFFoU5sXCk+MEa4UoVi1xe"
    "alQxTxPuY3EVNXKy2SzE4a8awgnpFNMaOtfFABgUTIGhGsIAJnIApyf0nRMH6V6GndQxdp"
    "XrAQrCyOhZuZRo1REWXpuX5eTolq3d51uoebcrJvWmnyLMoSDvcYYYWjUkMed4Vz896/Pv"
    "73xj+bzvot9s9aekmphykbqVdF6gmHMertg9GU6AMtI/UwZW1O3Pz3PpHuSFVuASMrpc4r"
    "YfoWwbBEHBCr6jUVHw3eIlCRmHbPyZ2C+1jebOfwf+eHemC3wuZ/eL7qJchDebhPiSOxIO"
    "ilTnR0x8jbwQCPEyLRrUSYGMf+MIc/mMrhSX6bdvY6h+SnH/u3faKOrsnFHbn+cnm5so8b"
    "EQpFaxqEiKrr406IIxiocVE9v3dVDhtee/98ifxNzdHyajipJTtVvgHNYQ4mGCjI2WTq6j"
    "NZhvlbtnjiaKapt1+sLzL+jjvOVGYdWVkxKCCNoEM0Lod79jUlJilKtxUrSZau1f/HfbYP"
    "aaFqXd5c/+A3jzqWGuddJZx3pjCTkrykD/cFQYWdQ5Ud5lL3GwTh6oW0xhBlhfnf+vzpvE"
    "/Qh0pCr1zYN9o5zuMc7Ryne0fxXiRBNpouvqlcxBAPEW6h96Xu9nVIyJMElF76ZqKaNzvJ"
    "CjtJE3/8TcysJmhgu+XrQRLKmaRJtCsYpC+krKDpKd9ceqrBnGMTeY+AgWEy/ZQwE0uYwQ"
    "WbJfgnN2mT1uuEsMl3W/d8t8r9L5GIrfTjAe9+O88JgWya85BAdYxzcMImDxKRbjFbJes0"
    "dQWajx0Q/ITQd6qaGYaYIYaeuGNu67sSAaoIscz3mD6x55PTLl3DTVLaaoWSNo7+1gs4+h"
    "t33GviSEtt+GHKxoiqtJLdHKQ1MZpNjGaKDjp1H8TX/lOaChq4na2ByoYae8qvgMpeHTKz"
    "uesyk8y4O8aDSW6jG9scAYUMjnLGqGAOXVA3sYoLd8kOdGw6XiFFahDv0V5K0JCmuokHNO"
    "lPKrAaZemsNkgLnqo9soQgtoxaTGGyRm/NobdadG4ImjCqM2KiliSN5rqC5lovV1UDay7v"
    "qwpNOH+7KiH3KO2LnAu8pI+yJnKuPGBZKjtXlBvp+qC8m0cdxDJYObVB7DNTV5Px2jnUtJ"
    "gauLaeGwWwDgqgyyaWAVwpov0FabZQ9Vt/sXCHUVXfLi+SbUlRZSiVzQbckqcXeALiDwvi"
    "FX7GlQI/wltDlvGNpzK8QcZDeGuJsMmIg/FJptbK55cbQcZRFz/NTfA5pxYDCJJsTSWAzv"
    "uDo4Pj/cODRTmAxZWsmgDxvB0mjHtNsaiEcpZAvoWaed01tMYAyze3ttcAc0pWg6hhMYhv"
    "clYPZdneMoUmg4S1kXHL11KU9XPVu7jUQK3Qevf3fWDk3eraSx1GQEUs78/UcdD9nGB2+7"
    "faWTa35TXKW/BapfMnA8TgyXR0Dtnx0tFhMg8vD2bcmu6RBEog9B7+BqNXPXCQF4q+7BBL"
    "Xj/JVCFe5pDGmq6DNb2UcVEYUJSwwsHXMhxyOZi53iYP1GGHB1PbyLcERiJpDvKlwzzIyo"
    "d5EE+I6U2m5KOtM25Se57h+x2knG09zF0PSlQNNVMK4/zmrh9YOlbehs7UscpiBwI2n11c"
    "925/TraizxKOYc5+vu/3om4QPjKBz1MzQWE446NUYzpMV1lzWsoCoaU4MQbUFfZ3DpGvDe"
    "s41lsmWG/5FBZ6MpnCr5ENu2q++eLZ3993Ovv7R529/cPj7sHRUfd4b2GIx29lWeRnFz+g"
    "UR6aS3ErndLRtNgqtqSoslswLici9QOy8wezhUNmcIOYAiG5hh7b0nN5EPPkTdtPz5u2H8"
    "ub1iRP3nDyZDzBsISd5ORLP58PU610RP9CJgx1ZDYDlZ+B2AzfHksXjtlk5X1jI2f3aC1M"
    "LY0ZfMSRVfGdIyvVcgL1C6ZbLiGgsz6hrkp7b8uUQidoA8zNAUhpZwJ98F2dPfEBe0OspZ"
    "1TlYzMyG+w7D1PfkE5LegqLqE7lBDOIrmnD5jNJsKslBQad2v6XrK97lYcjlrJENgobW2c"
    "ct+k47WB6DcQ/Qain+IXtsWAObCSnYsJNAp7QdPatDM9xX5rbeA1z43RemQO8WkIx9ht4Y"
    "LRiRrdBHqEDwAOSsfvADPRyGhSnTywIYw1MsLKS3hPlgtBVd2YEzqiqvxRBLS1yUet2e2c"
    "lWW94q5PlXfSzznpcXIHrKlHFQp8SoCh8ibTESwHbyXkTxgpwn7j4WTgZ+/qfz8HBFPGyd"
    "DJZQd3Muzgjm8HN/EBFYgPGMLDmW3ZPMk9ms7qCFmVWR2YPmqAyDz4/0lw+JWZAusXglz6"
    "iriAFgQ18P408RlrmQpNKpG6pxK5A0UeuP4pGT4QuJupFzpeOy0/iuATAgUWxTBBJ0C9Uu"
    "WfP1UH/io1fZuAfeEyCSsgE/EE6h1oFvjpMeUvq1eyo2prvgu+7Vtr/uYtuQc9xJ6aODFg"
    "PTYYmdC59zwcdL+Z6BM+Jf/0i3NO+AjnzT+lDrO4it39U8UGSC+yTH4uK54M4BclYgbzbV"
    "U18rGYHvlYeUXy9uM5OTrcPwZOTScPcvf2tcqiB7kvnc+cGiNhc3c8KXQyGCSqso5S9lBq"
    "7ZWSFArhX7PHIupImKoJGl2lqqHNn4A7yaZPeuRGhKzKYx1T4d79xzH53L9KidVAiJsNjG"
    "JEbR+7uN6/OSUIvZ97MRy4ZqEabwpiCLRFvErPK5+HbCbJca00zarMryqplrkc5DYIwS4l"
    "5jBlbY5BWpHZdwrqIzcMAholh893COp56udckz9Wn6B1GxXRry8yLqK09RkZlKgxLVdpg1"
    "G0JRaKpkzn4jB5oL16SYvaDQmbPYnHkgtFkLI+wyFY8cwGw48N5UkA9SpUfRsjoCpuCCwM"
    "dsuG8DXjexRJK8kbEWvUznRKYHPN9tp7NWtzOifkg4iiVEMkWAftRFYus+Auw2R+3vkQ8a"
    "aBd3qkkivHHBS9cK+EGuhgmMsjqEittEj3bQTLJjxiVX+CV8u3aHW0MFWFvQvh8mg0g/3V"
    "dDF4g7hE5KC11tDBRkPf3MZbLol73eqJvS6QJbAerwHLcrfsrZ7MfRbSEh5dIVTLee/uvP"
    "eh/1qgFoklSlAOfIxRuj4g/fT5FIDPTFgGI7OxIANqgjk5ItwEQ1IM3V11KkEQNw52BLMI"
    "w2xF77B7fCeC+7b9lLqhNJGLFVgqsrZcX5BF9KEgTYW1oV97u7/Q3T/2dr/Xfv9zv93d+7"
    "uM1tPNg7bppoNturGYEzmDivB7QVBhZjuuQFeDKewJNbiDNbYNMaAGwWIH5Prjp3NYXBy2"
    "OxSGjtq/LiZoRlx8uO6VkUqnm0cZhVbpIKhuQqZOx5kJWLOLGggxwip7/0uedHW63Vwc72"
    "ZwvBvHPtmOqxVdf8JUW8jrjYS6Sah/UVaHiDbF6RcF1mye0RYwqRCTFwQVzvlWdtXIh1XN"
    "gKrGkHoiKRgQmds3p5OYXROBpyaGAm5uIC9iCopspV/u+rcnElX8m3l186F/27u/gQuo5N"
    "sYtfyb2ftwdXF9Qqg+yVuOetOoBe5omAf0qWicZojuBeP/fEm9rJ6+xlA/qRNq6pgvwVLK"
    "5Hqc+AVZv7hSc94jam81AcR6qLYUWtSEJUe3EWUoMWvcQdAhJrogM+r4Z866PFA6JY/Mcu"
    "U8Iw9zLH1m89FILYYVkeNkSDVmIheLyi9CWXW5EWAvKM0TkM39zf1n6ASjUjyMqOYK18qZ"
    "7eJlxGIKF4/cTTbTZAYYnuDJzJROcgeV3l1auCDI03lZMVCYGPwP774LNvLQFhM8KpPR/x"
    "KFazIXzM1HmawEc8sQaLW/R3Q6Xx1+tUZBSuPBECNulo1MDhLX5qj9mzzXaQB26br3dsVy"
    "hALSLb2k1MOUjdSrIvWEya7efil1dShUQuphytqs6C08C1MROifkYO+AoOo+n42ZzbyksC"
    "tvuxUfA4XxU4G4Ec9ECGCSIqqcov/46ZYZMvNRwthQ5549r68FHqpma0LagXRodj0Cx01f"
    "cV2RX5+wL4xru9hadqEpNhhjRL45SioPXIRdV0N67ne1rfyy2UDg4gXN9DXw61Z1dw5Xtp"
    "Vl8brx5VkWrVa/jfwKptguz6lANu9tZJICHa3IpO0EaIUYNWMPOP/Mta3yfmb2Ikt9NT0H"
    "ccZtGozmj7UUTFpgKGZD07Tg8H8eonZjYqj6jFiYURl9Qm1i2eKJ6yruCd1kwiYDQxalkm"
    "XnTxfoZ1tgRL1DQuD4BVSjAa3VD7SWLMm8x+3J1Gs5e38BVD/6iDEgI4ztR0/wnLlEIuHz"
    "GaObTqnTeATTWV9P31ANk5FWTfI1kXQulz/7anHoroSgw5SNmCst5lqFyjaltEvOZVPXYF"
    "NykqKGMoDpIaoKoxdbs/EcQ0oRpqJGJeLTR2KKiXHUFfmXpxraDLYh+L0AdqtEV38RnUm8"
    "mvygEmrW+msMgwxgij3MPb4XE16YsMryk6iIvwjGGvEBO5HBSvIDQKptwoeEmnMFon19MO"
    "SCs8Wyl0XIqiwOr3Yd4Tpa3dQXy3cOCaTELSOLNea2DdjklqZga0WkEaaqsDBKIrPXb/BJ"
    "vw4dsWJ5bMNU28fnbq4h3c0Y0t34kH7kZsHEiOZGy3PFvUzU4gV9SkhyQt49vX+H7t530s"
    "0HS74qWXTipa5RTj9YaXy330CIR447s/T6nfg5TjD/gUnkaYtyC1Zjb/DepWiVyCDRhqbI"
    "OjxVUgR+rg7HE1l55q9/hXIGwko6PUjPq7ikqEGe50T+e1/gzY68OmsG3zeTcpHaOL7L5Y"
    "ZIJF7Bp/56U8Wvzqau4rU5mSHGSEmP5A33WcXtHkDuTBLqoaTPFdW8DhNlLGZLsDXuJJK3"
    "ZAfT8x6/PzokT9SYMmd1WPxGpouEI/gukyIOmRBhfdB3sjDnQlyy+hoqApi2dCy8WQJrwM"
    "qyqp3TpikH1ZSDeu3cOauUg4om/opnrysP8khMn7clMtg4yuNeuFYrBeIh77WfxXe4frNn"
    "sR2BiDTn1FNZ2cBmLuFg5HlZRWRxAi9TdXSVb/XkrgAGYaCfEwLS17HOjIydYqYtjAkiQ7"
    "xsuBgPpzM/KA4TDK6aV7A6K/ELAUC8/FJv81aw2gwMxBsn2nJghHmfnqs9RljlHCKybPkD"
    "ddh+R82M9rNZ2ydDurruuplE7H4kahlcSIS2Phrs9ZfLS1BWucECixGsb2qZ+vZU1yXUw3"
    "FZUtFoProwU2ZvnDYyEHguaPULiX5RMHp/bxemrzB1gq+NpovDvI0ITyWxeo8F73oqL0n/"
    "JXfxdIVR2+Bg9gSTNu+YQhZrpPOcsxx4Af/tft/p7O8fdfb2D4+7B0dH3eO9Y2gruRG/dZ"
    "QVJHzxA4b7hoZPU47620WAFQgM26TuGkd2JyixifDvdG02BX6eJ62mp4L6z/MrxnOm1NxF"
    "hwFNN5AUW2q9CeputL856L6Lrk6IAw0N6SppkyF/Al2Am1OXOe20R2yi1GsDeV63rruQsO"
    "aJrtDxUQJtlVNJxvDOg+BUff1jJKVlFxFBgKTStobNRhxZKSfLXwRXPlBV+WDhbXn9E9R6"
    "wU4bQGLJPPHVKAVQMWjJNkm4sQ7Sl9Dtsg5Sw/ULukyTaDd60F+VuV3gzP7VPNFbw83KHA"
    "lWk6OlTwQXpTRSl4M1sLZgBo+asjhpIaxS2ZIes/lg3Epwvqg77SyPC122ec7Jks7ZNTs0"
    "Up3RietmggNaifGljen8KofnIe68Pzg6ON4/PFg4hhdXsvzBvu833X/xxOzkmkTpNnOApM"
    "o2c0lc+EbqKeCkKsBh1XwLubuRxP7wRDcxuiEdExkgaYqyF4Q8vuqhwt//D8p3k3g="
)
