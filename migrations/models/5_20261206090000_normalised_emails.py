import json

from tortoise import BaseDBAsyncClient

from usersvc.domain.identifiers import email_form

RUN_IN_TRANSACTION = True

# Each changed address is recorded in the audit trail like any other change of a user.
AUDIT = """
    INSERT INTO "audit_logs" ("actor_type", "actor_id", "action", "entity_type", "entity_id",
                              "old_values", "new_values", "created_at")
    VALUES ('service', 'migration', 'user.email_normalised', 'user', $1, $2, $3, now())"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Emails are stored in one normalised form (usersvc/domain/identifiers.py: the local part
    # NFKC case-folded, the domain IDNA-normalised), so the unique index on "email" also
    # keeps look-alikes apart. Existing addresses are rewritten to it, oldest account first;
    # a later account whose address normalises to one already taken, or is no longer valid,
    # keeps its address as it was (and signs in by username), so nothing is lost.
    rows = await db.execute_query_dict('SELECT "id", "email" FROM "users" ORDER BY "created_at", "id"')
    taken = {row["email"] for row in rows}
    for row in rows:
        try:
            normalised = email_form(row["email"])
        except ValueError:
            continue
        if normalised == row["email"] or normalised in taken:
            continue
        await db.execute_query('UPDATE "users" SET "email" = $1 WHERE "id" = $2', [normalised, row["id"]])
        await db.execute_query(
            AUDIT, [str(row["id"]), json.dumps({"email": row["email"]}), json.dumps({"email": normalised})]
        )
        taken.add(normalised)
    return """
        COMMENT ON COLUMN "users"."email" IS 'stored normalised: local part NFKC case-folded, domain IDNA';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        COMMENT ON COLUMN "users"."email" IS 'stored lower-cased';"""


MODELS_STATE = (
    "eJztXO9z2jYY/ld0fGpvSZcQSNp0tzuS0JW1gSwh265dz6dgAVqM5EpyKOvyv++VjQH/jO"
    "0BNZQP7YVXemT5eWXpeV9Z/loZcZNY8kXDMal6zweVU/S1wvCIwB+Rsj1UwbY9L9EGhe8s"
    "tzLWtQyLD1wzvpNK4J6Ckj62JAGTSWRPUFtRznT9hm0TZu5zZk1OEUZK0MGACCRI35FEot"
    "uri0a3uYcumu+b3SbCzETd69v2ORh1+ybvwQUo0x1mjmWByWH0s0MMxQdEDYmAgo+fwEyZ"
    "Sb4Q6f+0740+JZYZuFFq6jZdu6Emtms7o4MWU2/cuvqCd0aPW86IzevbEzXkbAagTGnrgD"
    "AisCL6Cko4+s51B6c0+WR4nZ1X8Xq5gDFJHzuWmt8edGBuqxhGu9M1bppdw6hEuPURUY56"
    "nGm/QFelS8BAd2H/VbV6dHRSPTg6flmvnZzUXx68hLpuf6NFJ49eZ+ZseU25nLV+abW7uk"
    "McnO+NC214dDFYYQ/lOmPOPgwTLjwaI144H2IR74MgKuQLuMmwL3zm05zhG+bemA/edbhj"
    "hL8YFmEDNYSfh8cpTP/euD5/27h+dnj8PEh3e1pSdYs08WGi4wb7UzTHDvilkbzWIR/guH"
    "pwkIFkqJXIslsWoVl3Kh/JU8T2UXxcy8DwcS2RYF0U5JcwRdUk94QRgm3hjHFUzUD1UTWR"
    "al0US3W+KSMA2r4BvZI5g0NDD9hyiIwy/etNpx3PdBAVotqkPYX+RRaVEV0SQ/mUz7IM7B"
    "SGNR265ZGUn61FYp9dNv4Mc37+vnPmcsOlGgi3FbeBsxD/jIwL8B9E7fgvzj+1DWyaUCGG"
    "/+SZJogqNNWUjPdVr50QWwkDAycqD89B1PbxXM80pddTpvR6dEoXBO5UqpyLZxC1fVSvZP"
    "Xs8dEIMzMn1UHUjupsVAui6TBwzARyASWKjkgC3QFkeLGcQl/4f2ygSoT7MzvMmkyvm8J9"
    "t3XZvOk2Lq8C66hOeOmSqmudhKzPwpH+rBH0R6v7Fumf6EOn3Qwvt7N63Q8V3SfsKG4wPt"
    "ZL55wi3+rT+KiTZf37hYSNNtzh3v0YC9OIlPAqT6obLRpVR2ELZrC+mFNydTenyceOo+74"
    "l+aDXnticpOLxXtp6UnuVjSIrpkxQ+m2KtFYUKUIQ2OqhkgNCRWoN8RsAAjbuQN5NyQmwn"
    "1FwA4zClXoGTTMpBfUYwt5l37+Ipy3XMkFlpwFvb1tXeTIgToONV9oTJHH9+lUaOWnvsPc"
    "u0bulfR/tZ8r69fAXiTtPZGLz5p76+nZTgHegqsa92SSSxcEYVuYvVi+2LXxxOI4ZlQnR3"
    "QLkP8VzpWN6nXHc5slE9Y76rdLJwQeOH+5KuD3MHYJnn9ana9TH26In32SyioIrwTvESmJ"
    "ee6Fb3GqMFInVRrafm1jGhFm1IeX+J5I5GMQNcnI5iDklN7PHkGLcAMQXCJJQNzdkT4XBI"
    "Eqg5rwr0+FVEgQ25ogPIBBEpWHK2h/yeowJTO3xOT/KrbIK43L364WSAyTv+b4eicXSyAX"
    "+3BxImxB8yVHQ7AyU12RQ1ytHyPeR9MBgmCAoB+QHn5FHoHlO8GdsfIo9hlgt/3yvcj1XV"
    "Zv07N6t9IVHxHh5tpTxZreisqoz64Ity2CxkOOepghiw8QZa+R5H21D+0SGIIwDY4lzIHE"
    "RmSEqfWjbl73CZQT/PVAkoTBLs1W8jSb78i825w+psTS9WNj/wPe/+dg/5Xx6evRXv3gsc"
    "jSXc+25Zmy4xl5WUg/QXn4ngFKTLZUEFaZiHExwqAliHkKE0kPW8jGQqH2m3fnMLlIst/n"
    "lknMPWRyuCmGWhftRqGYop5FUUGt5JiiHpMHlXLMYc4eYjnM46AIsMzituguab2eifF6Cu"
    "P1aCgB0beRd/4JoraQ68NMEfNhSsR8GN2RtnABqgOg7XtHcSVE20BSLpJngG18tyJT6icl"
    "8xMJfLmVQG6TOSOX4BZ0CLMeicn2WOsdyK5UyikIK7c3zetTpJF/scvORfO60e2AQYt86B"
    "4Ha+PistU+RdgcUVZk9Vz+kQkqDb3N/hDjmjMOrGOWINsXcSG33AFwVVO576n16vSzTud9"
    "IOg9a4VOAbVvL8+awL1LPVSiyjX7h4NCItJ4IILCheKOZaWxHgWvkfqZZWO5dxdFCJMpK5"
    "AIioDXsoFXlqxcmXI/iTt4m5vx223QF0/5BV7/ts2CXg8id14vi9djHvZp7+denyY7C3g9"
    "iNyYGb2ic7zI6/wpqh3UEAFRMBkPiSDem5TZ1OXmjoHc2f75aJFESqAx5iDO2RT55t01sX"
    "DCkdWFTP6N19IGTgaP/oPgW/3HatWbIj5lCXsjC4ymb5EYi158equkw4jeCkE2EcjVcK/1"
    "hxhg9A3BrMBv0v9t/K3obk9kM/dEQi7MfiQpACtzXrICAw9xPZino1fxe8IQ4wpNiELSnp"
    "4T+PbvOez097YpsSz62w2SHVnI72HsFnp+QzydKcAmX2wKzRVwdBC5c3Op3SzIAywxRZ7n"
    "IHL3unuJnbz7OsHu6wTfjueVfJ3AJS1f2LUAWWbsVd7F6IlQK5JdCbIbpfYNF4QO2DsyiW"
    "znJidRNpfSSPYEzAKPZ+H/4oCCe/fSddp+DRP2deu8W3n8Nm+nNoigvWEl7lOYXsle6ocw"
    "53WeyrskM7rkXMr38iXL6mHtpPby6Lg2+4DlzJL23cqnv1H5QISfeMu6LC1AypwyKdNrc/"
    "qhysHwtPoWsruS97fgiipWWiUfrlmA7I7D5zxf802PWjz+By3KzCY="
)
