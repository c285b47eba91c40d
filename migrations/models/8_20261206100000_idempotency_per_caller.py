from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Idempotency records are keyed by their caller and message id together (a digest, see
    # workers/execution.py record_key); those keyed by the bare message id can never match
    # again, so they go now rather than at the next pruning.
    return """
        DELETE FROM "processed_commands" WHERE "id" !~ '^[0-9a-f]{64}$';
        COMMENT ON COLUMN "processed_commands"."id" IS 'sha256 of the caller (broker user; for the edge, also the actor) and the AMQP message_id';
        COMMENT ON TABLE "processed_commands" IS 'Makes commands idempotent: a message_id its caller used before gets its first reply again.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DELETE FROM "processed_commands";
        COMMENT ON COLUMN "processed_commands"."id" IS 'AMQP message_id';
        COMMENT ON TABLE "processed_commands" IS 'Makes commands idempotent: a message_id seen before gets its first reply again.';"""


MODELS_STATE = (
    "eJztXP9z2jYU/1d0/JTeki4hkLTpbnckoStrE7KEbLt2PZ+CBWgxkivJoazL/74nGwP+Gt"
    "sDYig/tBee9JHkz3uS3nuS/a0y5Cax5MuGY1L1gfcrJ+hbheEhgT8iZbuogm17VqIFCt9Z"
    "bmWsaxkW77tifCeVwF0FJT1sSQIik8iuoLainOn6DdsmzNzjzBqfIIyUoP0+EUiQniOJRL"
    "dX541OcxedNz80O02EmYk617eXZyDU7Zu8Cx1QpgfMHMsCkcPoF4cYiveJGhABBZ8+g5gy"
    "k3wl0v9p3xs9Siwz8KDU1G26ckONbVd2Svstpt66dXWHd0aXW86QzerbYzXgbAqgTGlpnz"
    "AisCK6ByUc/eR6gBOafDK8wc6qeKOcw5ikhx1LzR4PBjCTVQzjst0xbpodw6hEuPURUY66"
    "nGm9wFClS0BfD2HvdbV6eHhc3T88elWvHR/XX+2/grrueKNFx4/eYGZseU25nLV+aV129I"
    "A4KN+zCy14dDFYYQ/lKmPGPpgJFx6NES2cDbCI10EQFdIFPGRYFz7zacrwBTNtzIx3FeoY"
    "4q+GRVhfDeDnwVEK0783rs/eNa53Do5eBOm+nJRU3SJNfJjoOGN/iuZYg18YySs1+QDH1f"
    "39DCRDrUSW3bIIzXpQ+UieIDaP4qNaBoaPaokE66Igv4Qpqsa5F4wQbANXjMNqBqoPq4lU"
    "66JYqvMtGQHQ5hn0UtYMDg09YMshMsr0rzfty3img6gQ1SbtKvQvsqiM+CUxlE/4LIthpz"
    "Cs6dAtD6X8Ys0Tu3PR+DPM+dmH9qnLDZeqL9xW3AZOQ/wzMirAfxC15b84/9Q2sGlChRj+"
    "k1eaIKrQUlMy3pe9d0JsJQwMnKg8PAdRm8dzPdOSXk9Z0uvRJV0QeFKpcm6eQdTmUb2U3b"
    "PLh0PMzJxUB1FbqrNRLYimw8AxC8g5lCg6JAl0B5DhzXICfen/sYZeIjyf2WbWeNJvCved"
    "1kXzptO4uArsozrhpUuqrnQcku6EI/1pI+iPVucd0j/Rx/ZlM7zdTut1Plb0mLCjuMH4SG"
    "+dM4p8qU/jo06W9e7nEjZacIe79yMsTCNSwqs8qW60aFgdhiWYwf5iTsjVw5wkH9uOuuNf"
    "mw9674nJTc4X76alJ7lb0SC6ZsYMpduqRCNBlSIMjagaIDUgVKDuALM+IGznDty7ATER7i"
    "kCclhRqEI70DCTXlCPLeR1/eJlOG+5lA4WnAW9vW2d58iBOg41X2pMken7dCq08lPPYe5T"
    "I7cn/V/t58rqfWAvkvZm5Pxccx89PdspQFvQq3FPxrn8giBsA7MXi3d2bTy2OI6x6uSIbg"
    "7yv8K5slG96nhuvdyE1Vr9ZvkJgQnnb1cF9B7GLkDzT3vnq/QP10TPPklldQivBO8SKYl5"
    "5oVvcV5hpE6qa2j7tY1JRJjRP7zA90QiH4OoSYY2B0dO6fPsIbQIDwDBJZIEnLs70uOCIP"
    "DKoCb861EhFRLEtsYI98FIou7hEtpfsHeYkplbYPJ/GUfklcbFb1dzJIbJX3F8vXUXS+Au"
    "9qBzImxB8yVHQ7AyU12RA1ytHyHeQxMDQWAg6Aekza/IFFi8EtwVK4/HPgVsj1++F3d9m9"
    "Vb96zerXSdj4jj5spTnTV9FJXRP7si3LYIGg046mKGLN5HlL1BkvfUHrRLwARhGRxJWAOJ"
    "jcgQU+tH3bweE3hO8NcDSXIMtmm2kqfZfEXmPeb0MSV2XT819j7ivX/2914bn78d7tb3H4"
    "ts3fVsR54pJ56Ry0J6BuXhewooMdlSQVhlwuIxImKvi2XiipAeKtSzOEpQKzlUqMekN6Uc"
    "cViKB1gO8vAeAZbZZy16+FmvZ2K8nsJ4PRohQFBt5F1WgqgN5PogUyB8kBIIH0QPmi1cgO"
    "oAaPOuHi6FaBtIykXyFLCJVyYyZXRSEjqReJZbCeQ2mTN0CW7BgDDrkpgkjrVaQ3Y9oJx+"
    "XuX2pnl9gjTyL3bRPm9eNzptEGjfHYbHQdo4v2hdniBsDikrsnsu/k0IKg19ev4Qo5pTDq"
    "xjluCNz+NCarkD4LKWcl9Tq3W/T9vtD4FY9rQVernn8vbitAncu9RDJapcsf/OT8g3NB6I"
    "oNBR3NtWaaxHwSukfipZW+7dTRGiX8oK5Hci4JWcy5Ul2VamlE7iwdz6JvK25+7FM3mBW9"
    "22WVDrQeRW62XResxkn4x+pvVJDrOA1oPItVnRKzp1i7zBn6Dafg0RcArGowERxLsgmc27"
    "XF8byJ3En1mLJFICjTHv15xOkG/fXxMLJ7yJOpegv/FaWsPF4NGfCL7Un1bLPuvwKUs48p"
    "hjNP3kw5jX4tMnIG1G9AkHsolArg/3Rn9fAaxvAGIFepP+b+NvRbdHHet51BFSYfY3jQKw"
    "MuclK2B4iGtjnliv4veEIcYVGhOFpD25/v/81xe2/vemeWJZ/G83SHZkIb2HsRuo+TXRdK"
    "YAm3y1KTRXQNFB5FbNpVazIA+wxRSZz0Hk9hZ7iZW8/ejA9qMDz8fzUj464JKWL+yagywy"
    "9irvZvREqBXJrgTZjVL7lgtC++w9GUeOc5OTKOtLaSR7AmKBR9Pwf96g4Nm9dJ2WX8OCfd"
    "0661Qen+fSaYMI2h1U4r5w6ZXspn7fclbnqbxLMqMLzqV8Lx+orB7UjmuvDo9q0+9STiVp"
    "n6N8+tOTD0T4ibes29IcpMwpkzJdm9OTKgfDk+obyO5S7m9BjyrWtUp+Z2YOsn3LPedrM8"
    "/6BsXjf+u9vnk="
)
