from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Idempotency records are keyed by their caller and message id together (a digest, see
    # workers/unit_of_work.py record_key); those keyed by the bare message id can never match
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


# The models as they stand after this migration (aerich's snapshot; a unit test holds it to
# workers/models.py, so the next `aerich migrate` starts from the truth).
MODELS_STATE = (
    "eJztXW1T4zgS/iuq3Idj6sIsEwiwcHVVgcnscMPbQbjb25fyilhJvDiW11LI5Gbnv1+3bC"
    "d+xzYJ4wR/oYiklu1uqfV0q9X60hhznZnibaff5xNL9vgDsxpH5EvDomMG/yTWN0mD2vai"
    "FgskvTcVAXVbahKbqip6L6RD+xJqB9QUDIp0JvqOYUuD49MaVxbblsaYEZeIjKlhMh1+kY"
    "lgjmgSIbkDBVQQ3RgyIQXhljnDznXeh94Na5ijH7LFsIQ8MscYGH2Kj28Smwox5Y5OHCaY"
    "fNOMPuUtPmZiGX9MGHzUkMkRc+BhP/8KxYals89M+D/tB21gMFMPcdDQsQNVrsmZrcru7s"
    "7ef1At8RPutT43J2Nr0dqeyRG35s0nE0N/izRYN2QWc6hkeoCf1sQ0PQH4Re4bQ4F0Jmz+"
    "qvqiQGcDOjFRKo2/DyZWH7lB1JPwz94/vFcLNNO0y6uedtvtaVojJkR8hYg8vKI+t3AAGJ"
    "ZERn356va7YIgqbeADTj92brZ2998oFnAhh46qVOxqfFWEVFKXVDF9wWV74gAFi7P6dESd"
    "ZFYHSCL8htctw2m/YMHqxXj3meizKT9jG2q4zjR37P7pDlPNH7XROZDM88aYftZMZg3lCH"
    "7utjJk8O/OjSuGlhIDh5nrTuxLr6alqlAaC+6r+aaNqBgVEUCYajkyeHq0l5CAGNFWe5+M"
    "2GfCBwQUgKtgjhf/EkMKZg6IIYjFQGCexiojnf29HNLZ30uVDlaFpaNGThHBzAkqPS+Q+V"
    "TXYT6IgCCmNKD3y/C/1c4jAGiVKgFVFxZB32HIMI3KuBzeQw2uWsmyCFNGBKJ7pG/9f6oj"
    "ntzrQQM+UL/C5dydrBnM751ddG97nYtrfNxYiD9Mxb9Or4s1LVU6i5Ru7UfkNO+E/Oes95"
    "HgT/LT1WU3uujM2/V+auA70YnkmsWnGoy5hV7xS32uhSfeZ9uA3kpIPUy5gVJfEyn7PMkU"
    "M4DLMjM7QLYEAXvjcdVKV9jMkk3CYYWb2ICpmQ6K9n5GKKx7U1j3pG8hvLoh4GjFkH6AZJ"
    "lwv7rz+gl0jwbU4CER3COr4qz9AAjLGFqf2Ewx+Azeg1r9JDzvGbF3XjfrydJF6WK2O3Q6"
    "tziDAwq+Hb6YSfX1NzC6b85Oew3F4nvaf5hSR9dCvMYa3uKRknnbeNW4NY6WUIsOFXfwM/"
    "Clfd/BRDfkOR82kvwKfl0z06eArTSTD3P6Ezo2aCl9G633I9BMwN7hEHSTwwbAI0HurlFn"
    "NMn77nm31yXU0knv5u7yFApTNNeSzf8TY3hmyQIOABR6ZOB6I+ClbaH8sG6Ir7D9fau1u3"
    "vQ2tndP2zvHRy0D3cOoa1633jVQYb2ODn74eyyF9bwWJDtFoBhwh2XjTEppNs/YaoqG0H5"
    "xRGycd7t5zBx3kUX1IWFg1VhA8dlWdJgf4rNiQN+aUx+0SEftiN3dvLYkTs76XYk1sXYjC"
    "9VjMkexeaxeAWuEksaclZYYUTINlBjLN9n6PGsmMoIEW3egF6JzuDQ0SM1J0zEOf3P26vL"
    "ZE6HqaIGqtGX5E9iGiKGS76ZaboMEwXZETI5fcZuXXR+jPL89PzqJGrLYAcnEf6DYVyC/2"
    "Gqmv/l+W/YmucmLqJpwlSlVE3F+L7qtVPZn2ACWgmesHQ+h6k2j8/tXCq9naHS23GV7jD4"
    "UiELLp5hqs1j9UpWzz4fj6mlF2R1mKpmdT5Wr9Um2YuixM3aI4u5er+NY/JiQGEGmzioWS"
    "PBORmqb2Y5KMcDqvX9pjmdlNfM0kHmRDAQtk5MPjQsIiSzhRtXgH16sQUiEABFveCk5Aio"
    "jtfPdMQFW4Q24aa4YwxHsgn/GhIfO+AOBi34jx8oZwzZCj35TR37VJXdkWaGk9ONo3GHRZ"
    "FFKkq3VhE480Gab7Nx1eB36nBrCLzVk6y82zGohlSPf4T0adf/spxHO6tarVzX/27rYH/u"
    "7McfWe7924vO+bnvz68jKF7Z9rmKKigh5CDd+sRQYOCHCqFwNyQxUI2DWpOvMXBivTB/HR"
    "hXHvTX4TJ1uEwdLpPLKr0Bm+yRObNTKGkkG6ahJs2nbFPHa71AmU/bp7fAZJNtA5uIT04U"
    "uToh88BmsHBlncZZTehMbT0u23pEmZYwHiNkVd7ybny86Jxu337soAk5ga4dQnEAE/jPeI"
    "RhPHD4mNx2T2+A/lP3v9WwKF9RVPGrtHlq5Fsj3xr51si3Rr4+268m8p5/7j4y9eYx1Bus"
    "zkS8XDXUGLbMCXZVr4JMHUNKPERoyBF6mQ2H9EfUGgKFPbk3DTHCTZiBBASBO7yGJFvQsS"
    "XcIEtqEvfR7r5JaGNmFQ+ooXUFtFEWtHZAWvBUDbBmEWgdIasytK5M8JFNZyanCaM6PcIu"
    "QPKs8Lqqsfql4+tqIPsagex8uSoh9yjtixiqLxmvsyZyTrVTKxKg4yK+C0xGkYoHL7xUFU"
    "/CQUwKkRMNYp+ZWE0AmMsD02IwcGk91wBwHQCgZGPbBK4UQX9Bmg2Efss/SCQYNVnCcO6x"
    "zykRNwuKCkfmAnboG7ah9IGlE39YEPdQCGoK/AhXhyx818fk8u78nHCrz1xdwh0yNMD4JB"
    "M7n187a+3q/tjLho/zpev86vIHv3kUU0aONEr8NJkQNpUaMRUk2Zhwqda7vYO9w939vXnM"
    "1LwkK3AqHjNlwbjXPBaVAGcJ5BuIzNcdodUGWL65tbkGmCgZMreGEXOvclYPVBK7EhIOEa"
    "6NjBs+SvGsn4vO2bkGsELr9HpdYOTt89HLOoyAilje1w7vMyGYfuoeZGsk2N+xNs0sK9z2"
    "W2ve2bjctvgDE8SnIYYOuISD8Swxs88YeoQP0AxdnWXp4wkch6iY2ns24A4jYBkLVTcwHC"
    "GJw2xzRugQxkt8j2a1j1qysZ5xcnmJyRFWeZjDO8jhcXLr3uEPLkedY3U6CSuZjk4ReCuu"
    "fqpDSm9cewh+di7+dR0QTD4NsbKDjPU+UAX2gQbwcObYjlHsFHqErMqsDkwfb4CoWLa/ER"
    "x+ZabA8oWgVF+Rrbg5QZ3n4rXsw9XHp9f9+PStMbSA65/YLAkdBmozcaFw2+EilxMRQpeY"
    "8JtKgrSACfoqA7i68uHYS7/uBjXpeHME+kwxPp2M+SPAO0AW+Okx8JfVK9lS90c89r8Lvu"
    "1be/bmLekBDnEmlrp2wuEmI2M6c5+Hg+4XC3DK+Jj85nVAxsYQ581vCsPMS7G737w9IEQ2"
    "YxVjjxBH9OEXJXwK8+25MPKhGI58qDyQvPlwSg72dw+BU5PxvVq9fVSptpgVY7/lkpiRmN"
    "IccseQo3ERiYSIqoxRSsLB5aeldIeB9vv0oQgcCVPVwUHPACUwKR+BO8mmT/oOXYSsymO9"
    "cf3p9PYvh+S6e5GyJ0e2vKtmiLd8bKO+f3NMcItl5u7Voc5CGG9xYnK0RVRbUc0tu/VCml"
    "WZX1WClrk80A4IwSkl5jDl+vigI7PvGOCjYfoXhgF4RJzn/Zxp6sfr8EoHR0X064uMiyjt"
    "+owMSrwxrbS0ySjaEnOgqcL2BZNY8gqTODjsEeykcooiSLk+wwHd/J5tSB02T+RBpVrNX8"
    "cIqIobAnPA3LABfM0o9f7KeKNmplNC5ZVx3PaFrrJUDyIepTdEgldKHsEAAaWBl/hZEkcM"
    "7g8RdxoILyGbEF7G9khqt1CvhJroYJgRN5tMIDPcUbT7JvSb9Ijn+hNe1a1/NIP91XQxVC"
    "SpUo3QV5g3y53IBQ8Uh6nqM8XZZ4oD+ngJx4pvF72tJ3OfPF0cHl2hA8anndvTzvvutzpf"
    "rI51J4AD/7h3Oh5Qfvp8AOCacdtkmICV9KmF6ViJYYEhyQdy29uVIA6fYgYdZhN10+p32D"
    "2+k7rb13lMXVDq8x4VUBVZS64vyCJ4KEhTYTT0c2f7J7r9v53t77Vfv+w22ztfy6Cedr5k"
    "+Bm58Kt2ufFqoKeb7tnizpiaBiDMI1AkfWoSmzqSXH74dArKRbDtATd1RP86H6MZcfb+sl"
    "NGKiu58thPPl3YQIgRVtn7X3Knq9Vu5+J4O4Pj7XjskyOkVlT/hKk2kNfvcoX4vcsI8XsX"
    "v6vApCVYHSLavNurVsJoG5hUiMlzggqf7SurNfLFqmaEqsYi9biZwtyuNRnH7JpIeKr5sg"
    "N5nt6pyFJ6d9u9OVJRxb9YF1fvuzed3hUUIMiH1+NQ2nl/cXZ5RKg+Nkolk19+1IIhNDzv"
    "/ZggmhMOXKdWCmwP0kXEcg+Eq1LlvqReFqefXF2dhxw1J2fRveu7i5Mu8F6xHhoZrhmakG"
    "YeMaHmbfMlXdibxfU48Quyfl6y5rzHqL3nCSDWQ7Wl0KAW8S6Yc2PWDIFBh3xiSXVdi/8l"
    "akPpmDwwW6p5Ru5niyutn73RtEQ5Yp5hZiEXi8ovQll1uRFgL4DmMcimd9W7Jv7VOSqtnu"
    "TSjqX9+JZiUZhTXQpUYisgRrw2O7SvcjugjstKh2ybdQQglFLW1ktKPUxZS70qUk+Y7N7b"
    "L6Tu7SWUkHqYcm00egO3ULyDHUdkb2ePIOKbTUfMYe6Z8WcvuxUfA4XDbgLHDVxkGQhlie"
    "Azj/7DpxtmUuntUCZvY3bcvuZhNGumE9L2MWNgNnyhY3l+Ra+R3ER+xS8YeRa/orebbCLL"
    "vH3yZzJrM2MKvq46DMBnWUo0QICj2UEBWlCKTwcHXFl4SHBKbOa4F7Uez6PKHI4nFQUJBR"
    "3Ot8DqYID1CwZIlmTebYxk6qXsabzQDa0Y6BqOmbS4JDMmiYowLONqX36qgtpkTmf9ehpP"
    "eUxm5dcqecFSlHYDJb8mks7lE6tvEH4VYl6rI0h1KvpyQjZszdsyK4KkwlSbFxWykqsHHQ"
    "2Mp2I5tMJUm8fndq7wpnZGeFM7Ht5U3wdX3wf3rU9sPOc+uOhxs/iZyfK+rcRDmxsig5V7"
    "uHpc2o0U95aqaz7p25J+syf9WoE4CHHs5q1iYB9LYgjixbKrlFiLixciR1vxeX8VwXiKIw"
    "LS1zG7obqdl1kON8d4ttbNwUDVXdR+KAYea33uadbqaOIXco+5p5re5s2buhonmTtOtDJ3"
    "eEQIqxy53sApcU8F2215MyPt/o5FrqDxgD4/kGg16X/8+KcyXrMI7fpsP6t7VaYjw2QBZQ"
    "T6zVNTzxfVulljC0eYkMxOWOqNYeoNLnHaUve4vJDocfbiG5PdnW2YvtzSCb42HvIUzF2I"
    "MGQTc0ba8K7HqkiFdRrqAh5GHdPAW+cDqUK2LK5ShNNZzlnuXRPzfau1u3vQ2tndP2zvHR"
    "y0D3fm98XEq7Iujjk5+wGjBUPDJx4+WPvH0wWyWf7xiqRz6TDH6I+SkKtXk4lb6aLNU6A1"
    "Xc5L3llNVYKJyDFB8XkSe+lTqPknwlIusErHiI8AUxMzMKT7ogIkVcaFVTo9ipOqAIe95h"
    "vI3ZUcY4QnykR/anoW2gBJnYK2YArab7qYff0/MKGnsA=="
)
