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
    "eJztXW1T4zgS/iuq3Idj6sIsEwiwcHVVgcnscMPbQbjb25fyilhJvDiW11LI5Gbnv1+3bC"
    "d+xzYJ4wR/oYjslu2n9fJ0q9X60hhznZnibaff5xNL9vgDsxpH5EvDomMG/yReb5IGte3F"
    "VSyQ9N5UAtS9U5N4q7pE74V0aF/C1QE1BYMinYm+Y9jS4Pi0xpXFtqUxZsQVImNqmEyHX2"
    "QimCOaREjuQAEVRDeGTEhBuGXOsHKd96F2wxrmqIdsMSwhj8wxBkaf4uObxKZCTLmjE4cJ"
    "Jt80o095i4+ZWMYfEwYfNWRyxBx42M+/QrFh6ewzE/5P+0EbGMzUQwgaOlagyjU5s1XZ3d"
    "3Z+w/qTvyEe63PzcnYWtxtz+SIW/PbJxNDf4syeG3ILOZQyfQAntbEND0F+EXuG0OBdCZs"
    "/qr6okBnAzoxUSuNvw8mVh/RIOpJ+GfvH96rBW7TtMurnnbb7WlaI6ZEfIWIPryiPrewAR"
    "iWRKC+fHXrXQCiShv4gNOPnZut3f03CgIu5NBRFxVcja9KkErqiirQFyjbEwckWBzq0xF1"
    "kqEOiETwhtctg7RfsIB60d59EH2Y8gPbUM11prlt90+3mWp+q432gWTMG2P6WTOZNZQj+L"
    "nbytDBvzs3rhpaSg0ceq7bsS+9Ky11CbWxQF/1N21ExaiIAsJSy9HB0629hAbEiLba+2TE"
    "PhM+IDAAuAPM8eJfYkjBzAExBLEYKMwbscpoZ38vh3b291K1g5fC2lEtp4hi5gKV7hcIPt"
    "V16A8ioIgpDYz7ZfBvtfMoAO5K1YC6FlZB32EImEZlXA/v4QrOWsm6CEtGFKJ7om/9f6qj"
    "ntzzQQM+UL/C6dztrBng984uure9zsU1Pm4sxB+mwq/T6+KVliqdRUq39iN6mldC/nPW+0"
    "jwJ/np6rIbnXTm9/V+auA70YnkmsWnGrS5xbjil/qohTveZ9uA2kpoPSy5gVpfEy37mGSq"
    "GchlmZ4dEFuCgr32uOpBV9jMkk3CYYab2MCpmQ4D7f2MUJj3pjDvSd9CeHVNwNGKMf2AyD"
    "LpfnX79RPsHg2owUMiuUeo4tB+AIZlDK1PbKYAPoP3oFY/ic97RuydV816QrooXfR2h07n"
    "FmewQcG3wxczqb7+Blr3zdlpr6Egvqf9hyl1dC2ENV7hLR4pmd8bvzRujaMl1KJDhQ5+Br"
    "607zuY6IY858NGkl/Bv9bM9CngXZrJhzn9CR0bRil9G633IxiZAN7hEMYmhw0AI0HurnHM"
    "aJL33fNur0uopZPezd3lKRSmjFxLNv9PjOGZJQs4AFDpkYbrtYCXtoXy07ohvsL2963W7u"
    "5Ba2d3/7C9d3DQPtw5hHvV+8YvHWSMHidnP5xd9sIjPBZkuwWgmXDHhTGmhXT7JyxVZSMo"
    "vzpCNs67/RwmzrvohLqwcPBS2MBxIUtq7E/BnNjglwbyizb5sB25s5PHjtzZSbcj8VoMZn"
    "ypYiB7EpsH8QpcJZY05KzwgBER28ARY/k+Qw+zYkNGSGjzGvRKxgwOFT1Sc8JEHOl/3l5d"
    "JiMdlooaqEZfkj+JaYgYL/lmpukyTBSEI2Ry+sBuXXR+jGJ+en51ErVlsIKTCP5gGJfAPy"
    "xV418ef8PWPDdxkZEmLFVqqKkY7queO5X9CSagleAJS8c5LLV5OLdzDentjCG9HR/SHQZf"
    "KmTByTMstXlQr2T27PPxmFp6QajDUjXU+aBeq0WyF2WJm7VGFnP1fhvH5MWAQg82sVGzRo"
    "JzMnS9meWgHA+o1vdvzemkvGaWDjongoGydWLyoWERIZkt3LgCrNOLLRCBACjqBSclR0B1"
    "vHqmIy7YIrQJF8UdYziSTfjXkPjYAXcwaMF//EA5Y8hW6Mlv6tinqqyONDOcnG4cjdssik"
    "xSUbm1isCZN9J8i42rJr9Th1tDwFZPsvJuxzA0pHr8I6JPu/6X5TzaWdVs5br+d1sH+3Nn"
    "P/7Icu/fXnTOz31/fh1B8cqWz1VUQQklB+XWJ4YCAz9UCIW7IImBahyGNfkaAyfWi/PXgX"
    "HlSX8dLlOHy9ThMrms0huwyR6ZMzuFkkayYRq6pfmUbep4dy9Y5tP26S2AbLJtgIn44kSJ"
    "qx0yD2wGE1fWbpzVhM7U1uOyrUfUaQnjMSJW5SXvxseLzun27ccOmpATqNohFBswgf+MR2"
    "jGA4ePyW339AbkP3X/Ww2L8hVFFb9Km6dmvjXzrZlvzXxr5uvDfjWR9/xz95GpN4+x3uDl"
    "TMbL1Y0awztzkl1VqyBTx5ASNxEacoReZsMh/RG1hiBhT+5NQ4xwEWYggUHgCq8hyRZUbA"
    "k3yJKaxH20u24SWphZxQNqal2B0SiLWjugLXiqBlyzCLWOiFWZWlcm+MimM5PThFadHmEX"
    "EHlWeF3VoH7p+LqayL5GIjufrkroPSr7IobqS8brrImeU+3UigTouIzvApNRpPLBCy9VxZ"
    "N0EJNC5GSDWGcmVxNA5vLQtBgNXFrNNQFcBwIo2dg2AZUi7C8os4HUb/kbiQSjJktozj32"
    "OSXiZiFR4chc4A59wzbUeGDpxG8WxN0UgiMFfoQ7hix818fk8u78nHCrz9yxhDtkaIDxSS"
    "Z2Pr921tzV/bGXTR/nU9f51eUP/u1RThnZ0ijx02RC2FRqxFRQZGPCpVrv9g72Dnf39+Yx"
    "U/OSrMCpeMyUBe1e8yAqQc4SxDeQma87Q6sNsHx9a3MNMFEyZG4NI+ZeZa8eqCR2JTQcEl"
    "wbHTd8luJZPxeds3MNaIXW6fW6AOTt89nLOrSAilje1w7vMyGYfupuZGsk2N+xe5pZVrjt"
    "3615e+Ny2+IPTBBfhhg68BIOxrPEzD5jqBE+QDN0ILvQeu7ZgDuMgDks1OaWgeEISRxmmz"
    "NCh9BI4gszK6h/yWZ5xh7lJaZBWMm2jc7Fv64DIObrwivbaVgv1FRgoWYAD2eO7RjFtolH"
    "xKoMtb9ZiQ+I10BUsNnfCDa/Ml1g+UpQI1aRtbK5QJ2I4rUslNX7m9d9f/OtMbQA9U9slk"
    "TfAlcziZtw78NJLidlgyoxIzeVBGUJ7fdVim51JsOxlx/djTrS8WgHdGpiADkZ80egYsCw"
    "8NNjRC2rVrKlDnh47H8XfNu39uzNW9IbMeJMLHUuhMNNRsZ05j4PG90vFlC08TH5zauAjI"
    "0h9pvflNN1XorV/eYt0uCKzVgFweM+VNGHX5TwKfS357K/h2L076Hy/O/mwyk52N89BKQm"
    "43s1e/v7d9UasAL2W06JGZkjzSF3DDkaF9FISKjKHKUkHVx+3ki3GWi/Tx+K0JGwVB298w"
    "xSAp3yEdBJNn3Sl9AiYlVu643rT6e3fzkk192LlEUzsuWdBUO86WMbx/vY6n011svWi0VW"
    "pe9UiTbmcv86oASnlJrDkuvjALY4MTla+aoXAlMU0jD907qAGCKH837ONPXjdbiEg60i+v"
    "VF2kVUdn1aBiVem1aOFJNRtBPmJFLFzAsmseQVZlBw2CPYQOUGiqDk+jQH9Lx7dh912DyL"
    "BpUq7OV1tICquBgwAcsNG8DXjFIPj4zf1Mx0OKikLo57f6FzJNWDiCfpNZHgeY5H0EBg0M"
    "AT9CyJLQaXbIjbDYSXDU0IL116JK9aqFZCTXQezIibyiWQlu0oWn0T6k16xHN9Ba/qyD2a"
    "AX813QcVyWhUM/QVJq1yO3LB3bxhqXpDb/aG3sB4vIQ9vbeL2tYT3Ce39oZbV2h372nn9r"
    "TzvvutNveqPdUJ5MDfa53OB5QPPh8BuGbcNhlmPyV9amEuVGJYYEjygdz2VhyIw6eYvobZ"
    "RB1z+h1Wj++kDtZ1HlMnlHqzRQWGiqwp11dkET4UlKkwG/q5s/0T3f7fzvb32q9fdpvtna"
    "9lWE87Xyb6jET0VTtZeDXU0821bPIpc7b7tCTFXMkxwn5C58K8PyZYZYd9ycWpVrudC/F2"
    "BuLteLiSI6RWdFgJS20g1u9yReW9y4jKexfP/2/SElCHhDbvRKiVAG0DSIVAngtUeL9c2V"
    "EjX3hpRnRpLLiOmyngdq3JOGauRCJKzZdtyPOUSUVmyLvb7s0ROl+cX6yLq/fdm07vCgqQ"
    "u8PrcSjtvL84uzwiVB8bpRK0Lz/QwBAa7qF+TFDNCQfUqZXCxoNyEbXcg+CqhnJfUy9Lv0"
    "+urs5D/peTs+iS9N3FSRewV9DDTYZrXSakbkeqp3mrd0mH4GahHhd+QejnJWuOPQbaPU8B"
    "sRqqrYUG2PzeoW1umJkhME6QTyypjkDxv0StEx2TB2ZL1c/cA+y9Y6KfvX60RD1i7l5mIY"
    "pF9ReRrLreCMALpHkMuuld9a6JfxyNSlUnubSfH4yzRLUozqkO2inh4Y8Jr83C66v08tfh"
    "VumUbbOi9kNpWm29pNbDkrXWq6L1hM7uvf1C694SQQmthyXXZkRv4MqItxfjiOzt7BFkfL"
    "PpiDnM3Yf97Gm34m2gcDRNYIeAyywDESoRfubJf/h0w0wqvYXH5NXJjlvXPDpmzcaEtOXJ"
    "GJkNH5JYHq/o0YybiFf80I5n4RU9MWQTIfOWv58J1maGCnxd9eq+D1nKIn8A0ey1fi2oxa"
    "fX/K8s3Nc3JTZz3MNPj+fBYg7HzYWChGIJ50tg9Rr/+q3xJ2sy7zJGsvRS1jRe6NRTjF8N"
    "h0JaXJIZk0QFDpZxtS8/u0BtMqdDv57GUx6TWfm1Sh5aFJXdQM2viaZz+cTqU3lfhZrXam"
    "dRnd69nJINW/OWzIowqbDU5kWFrOQ4P0cD46lY2quw1Obh3M4V3tTOCG9qx8Ob6jPW6jPW"
    "vvVGjOecsRbdRRbfClnet5W4F3NDdLByD1ePS7uR4t5S15pP+rakf9uTfq1AHIQ4dlNNMb"
    "CPJTEE8ULUVRarxWEGkR2r+Ly/imA8xREB7euYkFCdeMssh5tj3DLrplag6nxnPxQDd6s+"
    "d5NqdUbiF3KPuZuV3uZNdboaJ5nbTrQy52JEBKscud7ALnFPBdtteT0j7UyMRXqf8YBWNa"
    "uPH/9UxmsWkV2f5Wd1Vsl0ZJgsMBjB+OYNU89X1bpZYwtHmJDMTpjqjWHqqShx2VJno7yQ"
    "6rH34huT3Z1t6L7c0gm+Nu7dFMydiDBkE9M82vCux6pIhXUa6lAbRh3TwJPcAxlAtiyukn"
    "HTWc5e7h298n2rtbt70NrZ3T9s7x0ctA935mewxC9lHcZycvYDRguGmk88fLD2j6crZLP8"
    "4xXJ0tJhjtEfJTFX70omb6WLe54irel6XvLKauogmMgcEwY+T2Mvvbk0f0dYyqFQ6RzxEW"
    "hqYmKFdF9UQKTKvLBKu0exUxVA2Lt9A9FdyTZGeKJM9KemJ44NiNRZYwtmjf2mk9nX/wPB"
    "o2w4"
)
