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
    "eJztPWtz2ziSfwWl+7BOrZw4smV77KurkhVlootfZys3e/MoDixCEtYUwSUpK9qZ+e+HBk"
    "CJb5OUZJMyvyQWiQbJbqDR7/6jMWU6MZz3neGQzUx3wB6J2ThDfzRMPCX8j9j7TdTAlrW6"
    "Cxdc/GAIACxHai4MFbfwg+PaeOjyuyNsOIRf0okztKnlUgZPa9yYZN+lU4IkEJpiahCd/0"
    "Izh9hOEzkus/kF7CCdjonjOoiZxgIm19mQz07NcYZ50B6BK+iJ2HREhxge30QWdpw5s3Vk"
    "E4e475rhp7yHx8xM+q8Z4R81Ju6E2Pxhv/zGL1NTJ9+J4/20HrURJYYewCDVYQJxXXMXlr"
    "j27Vv/02cxEj7hQRsyYzY1V6OthTth5nL4bEb19wAD98bEJDZ2ie7DpzkzDEUA75J8Y37B"
    "tWdk+ar66oJORnhmAFUa/zmamUPABhJPgn+O/ku9mm+Ypl3fDLT73kDTGhEiwiuE6KEuDZ"
    "kJC4CaLiDqj7/kvCuEiKsNeED3S+du7/D4nUABc9yxLW4KdDX+EoDYxRJUIH2FZWtmcwgS"
    "RXV3gu14VPtAQvjmr1sE096FFapX691Dooem7IhtiOW60OTa/VMuU81bteE9EI/zxhR/1w"
    "xijt0J/3nYSqHB/3buJBlaggyM71y5sa/VnZa4BdRYYV/sN22CnUkeAgShNkOD51d7AQo4"
    "E9xqH6MJ+Y7YCHEGIBnM+epPRF2HGCNEHWQSTjDFsYpQ5/goA3WOjxKpA7eC1BErJw9hlg"
    "Cl3heAfKzrfD84PkLMsY/vF8F/q52FAHxUIgXEvSAJhjYBhGnYjdLhE78Dp1Y8LYKQIYLo"
    "CvS990d5yJP5PGjwD9Rv4DiXmzUF+YP+Ve9+0Lm6hcdNHedfhsBfZ9CDOy1xdRG6unccot"
    "NyEvRTf/AFwU/08811L3zoLMcNfm7AO+GZyzSTzTW+5lZ8xbvqYS248b5blM9WgOpByB2k"
    "ekWo7OEklcxcuCyys31gGyCwWo/bZrqORUy3iRg/4WYWl6mJzhntwwJhfu7N+bnnehrCm1"
    "sCtpZP0veBbFLcL+++fka6BwVq9Bgr3AOqoqj9zCUsOja/koVAcJ+/BzaHcfK8UmK/qWmq"
    "idLV1dVut/F8qXH6FxT/dv7FxBVff8dX912/O2gIFD/g4eMc27oWwDXcYS0WurIcG701bU"
    "3DV7CJxwI78Bnw0p7tYKZT95KNG3F2Be9eM9WmAKM0g40z2hM6FudS+j5o72ecM3H0jsec"
    "N9lkxHHkoG+3wDOa6FPvsjfoIWzqaHD37brLLyZwrg2r/xd03DfdHAYAIHpo4aoV8NK6UH"
    "axbgyvsP9Dq3V4eNI6ODw+bR+dnLRPD075WPG+0VsnKdzjov9j/3oQ5PBwId0swJcJsyUa"
    "I1RI1n+CUGVWgrKTI6DjfDzOoOJ8DB+oKw0HbgUVHImyuMX+HJpjF/zGkPyiSz6oRx4cZN"
    "EjDw6S9Ui4F0EzvFQ+JCuI3UPxFkwlpkvdRW6GEQLbQY6xeZuhwlk+lhEA2r0FvRWewfhE"
    "T9iYESeK6f++v7mOx3QQKqyg0qGL/kQGdSJyyauppptQUQAdAZXTQ+zeVecfYZx3L28uwr"
    "oMTHARwj9XjAvgPwhV4784/qmlKTNxHk4ThCrEakqG922fnUL/5CqgGWMJS8ZzEGr38NzO"
    "xNLbKSy9HWXpNuFf6rg5D88g1O6heiun55BNp9jUc6I6CFWjOhuqK+Uke1Epcbd8ZBFT7+"
    "sYJvu6VCdubfZEdWHWixgoI2OaaYZKqkZrlhqe0WDpze5ArJJDxyaiJppTd3KOhgblcyKH"
    "8DXuOgjbxIuGcggGL3dsJFTHZGCoRN57IIswyyCBudEegHzw3nl/+c7vp/q7JuJLcETHM1"
    "v5d0yE9Sk162iosvhLmilmT8eYjfMcV9748sbgFDynjrIcU0fJp9RR5JAS/+dArTd+B21C"
    "HzMJAR9ThICPUSHgkX9aHvx648uM3waj+pDr64yfhJNWgo/phQ321HFmcV7VFI14CVFieV"
    "ag+gzN+bFEkE6dIXsi9oIfmdh2nSKY53JqRlE3VdaNWvL5UmA2/beIQtaIqVuM5tOck2co"
    "MX2K6xtboYIMQS2C/ShkjfWsWAebDzVHrBDiY4Fr3GfFvdQn8poz/EBlPmnLZKRTSJOamy"
    "a1tSjSB+R7QiRIEnyZ8d9QSqnQL+973Ts+7Gvv/9CeSrZAEW3zXbZDOc3i0fvHIN1psDR4"
    "XN5c/+gND3sSgsTjgoOVz2GzgljLWVO2jfLS3pqhgek0F+JXEFVAvHxdBJ+LLGIj8ZVorw"
    "tXr7BlcVqsvyW2QxlhZHU0leEXQ6MLxgyCzTQbbRA8RLAHDr8tSi2vvOweubi5uQxQ4qIf"
    "5j7fri56XHkTZOGDqIza9GLbfLKqPXNcR+aBaTKHMe5ASSVC4hw1JXJQgpjw/Xlx74N6QW"
    "x7trfKIrtaXqE6depsI6lTM0svSPUgZE31slA9Jo9GvH0OZ6BPPKdjU6NmnAyiID9/vSMG"
    "Toh9Vc49z+12z2frmxVcCkmpIUFLr1S5aJw6kwdbkD7juUN3CVfbdDFfjXB3gg0wNJBGjH"
    "s5cL+Z5lqejrA29IZmdSsTU+coAecxM3VksDE1keMSy5Gp6zCnSl93fDU2sKp/keBaVvPM"
    "J6DPL6tnQN61TccTt8n/5KuNP3bEbMiL9x4/EvH+aC/w5He1Q7kKDmVp7ZbLIr+VfAVXXg"
    "dzTJGH5SIt4jfafHzl3GbmmONWj2Pk91POGhKTykKgz2eXbYqfH2xLBpLZZYetk+NlPhn8"
    "SMsgu7/qXF7GKHN1kv5byNAWiesFiOyHq06aPtQWEFn6MucVaqEwztbct5ibXxsQktloNV"
    "XJTAaEuiJDXZFhuyitbEUGrnXeERkZ1eVXGvGKaWBI8znd1FajV1Lm8/rpPUeyQfY5mpAH"
    "jgS4KML4SBb84Eor+KioU2uPJWAWzRTtEWhaQHkMgZU67uHLVae7f/+lAyrkzISIewwLGP"
    "G/6BNfxiObTX0BEeXQKN9Q4ao3qfPUkm8t+daSby351pKvh/abzsyddEVgZZzU67+dKvGK"
    "TA5NRmhmLXJuEbP/CXWZaZKhq/L6nPO4zL5Mwm+jYyL+goYqZI7cCXZFfp8jnC6y4jmF6z"
    "abjSfywtMQ7QVf5F2Ty95j6rhkw5l+ZQk0LlE22qYkuGRJu85O2252mlfhKbP/a1H+ilAN"
    "kekrHPsYCsxbswfOVIpoKJvPUhtR24Fi97YMOcgRbReCLHd8Y8NkkG/tQKa3hWUoQFni7/"
    "ixQG1+UGgzm+aKy44AViE8u7Rx8XAfSqCymasVJknqJDV51iDP2MbQ9GaRM2kkBFaTYA0S"
    "1Ck7r1VgTZdhMhpoH0TnnMWx4DDTsJGrCsVz87ycENW4u2+1j7dlZN+20KQyBvMb3COAJU"
    "6rDVjcVcCWfP/q2N9r+2wy6nfYPlunNuwY1ZNSG/xUlzbQIlQPQlbG4+a995kwR6qOjNBr"
    "Qci8It7cQnNmP8KCWFeuKflqkEwgR6bL9m3gCXEfq5vNDPbv7KEeHX+xGl+Qh7JwnyNHxI"
    "KAlTrW0B0Bb/ozFc6QCNNEzBzyGw8L/gdRbT7Qr7PWQesY/fSld9dDynWN+vfo+tvl5do2"
    "bohQyNv2MABUXht3TED8UK2L8tm9y+JseO3z8yVKPNeu5fXipFbofLDZHNDjEMeBGl75MB"
    "sPXX4ki8ady8Kk6u2X/EUkkolSczqi60er56CG3yAapUNynZ4w3E5wkrreTvkQv53uFEzF"
    "qWRd7kuAEhuHSrvMhew39Gf85pIaA5Alxn/j9mu3h8CGigKvnNs22jrNYhxtnSZbR+FetP"
    "Km5qnKeRTxAOAOWl+qrl8HiDyNidJLPkzU8PokWeMkqRNp38TOqpMGdpu+MiShmEoaB7uG"
    "QvpCwgqonuLNhaWaq3NkKu4hrmCYRD9HxNRFow1+L8Y+uU2dtFoewrolTtVb4ijzv4hEbC"
    "S7B+T9ZhYPgRia0UmgJoY9OCXTBxGRDjVSwYYoXEfDZWh+wEHwE4S+YzXMMNgcYuiRO6G2"
    "vi8iQL0uOi5DE/xEksz+vyyzO1am4d/qVNJSpZLWhv7GCxj6a3Pca8aRFjrwg5C1ElVqIb"
    "t2pNU5mnWOZoIMOnMf2PfeU5II6rudLoGKgRp5yi6AilkdNLep6xLVJZELh9QGM7Y55hAi"
    "OcqZgIA5crm4CY1eqYv2+MSmg4VwhQ0kHy1rWwYk1W08oC5/UgJulCaz2pxa/KnaI4lJYk"
    "tp1xwEq+XWDHKrhRcGwzGrOiUnagVSS65rtwepiqmqDmsubqsKbDjvuCpA9zDsi/gFXtJG"
    "WRE6lz5gWQg7V5gayfKguJtFHITONxmlQZgzVVYT+doZxLSIGLixmWsBsAoCoEumlsGxkk"
    "f688PsoOh32Mog+h22EkU/uBXOeszbYHHNloov5J20yZBawnsBHhBvWaAnbMwghyK+4eK5"
    "SG8Q+RCSlzAbjSlXPtHMWtt/uZXIOOzCp8V1lUusau8H2ZmS9q2PRydHp4fHR8u69ssrac"
    "Xto3U7TL7uNYWiAsJZDPgOSuZVl9BqBSzb3tpdBcwp2Naggl0N3uSuHnFVodCmDgBWhsYN"
    "T0pR2s9Vp3+pcbFC6wwGPY7I+/WllyqsgJJo3rc2GxLHIXqXK6Fc/GzE6N+RMc00LdzyRm"
    "tDOTyzLv5IHOTBQBvxqcW48uyeIYymfEb+ARrVRQTfEDIORNSQjh7IiNkEjaHCJtwTZeGQ"
    "TSxjgfAYqzKXIeV8m4/asLKeVk1nc6rjNvOLvdxiicm9B5s9qpCvc9FBDm4SHYwi/K2Y+C"
    "kayb2T+hD/2bn6n1sfYbJxiKA62spULLKVUiyy5RWLrP1AJfADjfjDiW3ZSg/MiuoQWJlR"
    "7ds+aoGIekd/R7D8imyBzRNBsL48rrglwFqOuOoIo7Ufrg4ZL64FlkdG9DdRjpcQQ22WU+"
    "VDMVbzd3jO0klobO7z0ctq5wyEq2WVAecMOS5YTfGyDa6oNRAoQDNhtrtvQLW4iEh4YxJR"
    "Wn3fV08dm8FnyDpH8jEz06XGUqwBPDfhlymGiOf/aooXkANF8Zr36I6/HZsqy67v3UT593"
    "WFR/FiuWvVBKHKL0z6itWIV3/NgzBZEPQqdzxQ0Z85N1WS4Ksgr/gopD7jb6BssUf6qsR6"
    "tiBCSg39tQoilFsy30oRfVHK4InYlM8J5Wvy+u2S4MuMf1kRwXtpz21XTlecTdyZzfHI8h"
    "AlAFRmSmzEirwNtFcrf76OoyrYh1pIVAWT6CPAlbHrv0laC0lfK1QkMgZ0I0EqO9gNKRbf"
    "xZlp4iT1XqvIXivIXONnqKleZqo7s4d/kmG+JgcrkBKH/RXkqa12O4sfq91O9mPBvVBSjc"
    "1G1IjRiVOSalYgFbDlNwhEhTeR+M/TLPWmcEICEpoI/pUFq4PFSzEVLsjp2opc7QqoI8Iy"
    "MMVMKTmeCT1fcH8IrM4xT88x99AVRXHuPPO+6L3oLm59U1YTxc/mnIcWWSDvvNu573Y+9V"
    "4r7RxcSPwTOdkaMT4s391mmv/KkeMgWCOj64pP6aya9yI8hPgo1S/jHJmEH0dItdJoKvcS"
    "+IPQlD0RByJk4NMjHqu0WdGe6gX8wf+2763Fu/dowI83G7xSU/4/Mwia4oV8HjDMX0047M"
    "7R714z4Skdwyr9XTjWlldhut9VLpM4HpcnpzPkvzBic7661/VoPeaLh3osfUDU3ecuOjk+"
    "POWYmk0fRBSK5yqRPVmRCgEqn0cLG2NmU3cyzUORANBOmIy33dlNLgPtn/PHXMJ4AKpOcl"
    "+nC6tNn8AEGxvCl+wcCYGVea2Do+r+P07Rbe8qIbcM7VkzmyNKhkRw6uwDv393jiBVaCFz"
    "zoBnQTiayZDBIKZOdqYvp7+rVpMKkaJEalEmW5HNiWAXInMQsjIWwUZo951z8ZEahueFdl"
    "T0kfi50MSP9Tdo1VZF+OvzrIswbHVWBkZqTQsubRAMusRS0BTlpxziipi1t7ckbPLE9aRi"
    "jMIPWZ3l4O/QaHPFj4xERguWHfXexgooSTjtPcSC3pER/5rJAEjSiLNGRAY1U40SMFyz5X"
    "jZYztrXK1oq6gg1RLx9208E50WLX6XQPFRmeeE5DaQWVCqGHzEQNEJzoqwAQaGhUilCvV2"
    "DE3f5PPGPWJde4LsPZ7XUR+EKrF1IRh/iVPQX04Tg1zEBWJmrI2mOtcS+ha9uYWaTlSt/+"
    "Hr+i18/HhNtwWUx71fzVZN5D7rsQiurjI5LER54hjhwCtbnCwPCDt9NgHgljDLIGg+YWiI"
    "TchdQdTkiiQbufvKK4EgjJ/rEcSSDvQPntscwbltx+TTKIrUdctKwCrSjlyPkHnkIT9Mia"
    "WhXzr7P+P9fx/s/6D99sdhs33wVxGpp50lO6KdnBzRjuRGiB2UB99LgBIj23EZmBpMZk+x"
    "QbmEecYZyRAbCJqzoOvPX7ucuThkf8QMHaR/nU1Bjeh/uu4UoUqrnUUY5aNSgqBiKgs7zp"
    "xxnp1XQYgAltn6X6awM1E/Q8vLf4JQO4jrraRkGbgAqgNA28L068WnbwXRFkdSLiQvAXYw"
    "WDVbzZWUkiuRihMsLkwVkNszZ9OIXhMqsxIbr7q9hbxsU5LnKP1237s7E4Gpv5pXN596d5"
    "3BDb8AQj5/Pcavdj5d9a/PENanNKPtfttRC9TRoG7xUwxpLhjHOjYTxHY/XIgsDxxwW6zc"
    "o9TLyukXNzeXAUPNRT/su/52ddHjuBeo54OoVEOjpT+Dccw5sR4FfkHUL69UHPcQtbceAS"
    "IzlJsKDWxylqPbEGUoYtaoA0GHbGa6aI4dz+esC4fSOXokliv2GXpYQKtGm47HihmWhI7T"
    "EdaICVjMS78QZNnphjh6udA85bQZ3Axu+SRQXU3GiGouc61I+frXJIuQOWWmVoEMrzBwZT"
    "y0b9IdUMdlJYtsu5u+MrP0glQPQtZULwvVYza7evsV1ZUvoQDVg5CV4egNcKGoxI4zdHRw"
    "hEDiW8wnxCay9vHax27J10DusBtfuoGULH2hLCH5TMF//npHDOwqD2W8G7Mj51qG0VSMJy"
    "T5MSPC7HACFXbNcVxb5zz4uhrhrjfVruLLJkMGu1FUA1gfX3dqui6/sqsoY3xnT8QYr91q"
    "cZTddPhcXTnVruKLyqRPuu7yAm+/l0C6q7hSMRgbwNTuxav8te0Qk+XiSgg18S++9JATLb"
    "jmnw8+uaTmI9HRCuxsVXrh70gV8miqHFlsoqUvPBRpOpNVJj17FHZjireKXNnl7F5pefUM"
    "iDgVJSCSYkx/CeSDeyVGfqvDWcoUzvIKxWLKxkVewG3/whEsL6StzYE9RGu/gEXRS9LHyO"
    "D8qmiO9laCVgzBQItYSv2AO2hJqbrWHDGJq3LpRY3iQfDKGFHeJL3r+j4blBaCwa45UeoD"
    "qdGZnnbgxbpsIOeguih9NtnAt6ACmQZ3nGnc9buDRiwj2ABe6xJUUkh9/YwOz0KRoG37DB"
    "jPKNt+o8nzqjZ0OLHZHFlckBUe8qZP0lWdT5iNhoboRD22scnlXi+F0GZQlspBgQzTZbxz"
    "nflRPVU5npJZNbp46NLWr45pTQJZzcEEWZO5aEFc2auniIK3+XLXdXxEMuqr6SnPEh8h9L"
    "WiJa5DsDtI+YpQOpOmV62OIDWZC5K5UvVm6r4vxYhMLU3FR+eRpIJQJTaQF/RAbF4oEroP"
    "V6/yNf4NQu0entuZctnaKbls7Wgu2yM1c1bgNbfapy2qiWGL5tS7AOQMfXj6+AHiWT7IXq"
    "F/eq0KzwIuoL85S9VYNjDkA4VmfOYV04JCOyYS4SxKdS6iOWw+I0u+S6y1M5l8AaAtbZFN"
    "aHOCBF5RKEeSrDjyN8+hnCGz4qJ+kgv4riCq0EwjDv/yC+TuyFpgKgXv26nti21Y38WKEM"
    "UCr2F3er2toliddxWuLdAcopIV9VDWvNLN+GXwNMbAnbxX1PAqbJQJmwuMzxxlZBW4RXtQ"
    "B/7048mx6gS9fv7VVraLiPf01Io8SksAsDKu5sYc+ncvyQWWFCEIQH3sCZO7hPOAtWlVOc"
    "Wm9pvWftPX9uk97zfNklWSVCa1eMhxbJ3WHaHB1gOPB8y1GgluUHGv+awP1PWGPev/9KU+"
    "O+dSZCVDm7iIciVPlq8SXXDi+3avYox985whTn2dD0Ajm00RMW1mTMF7KsuuQ+K1Trzsa6"
    "hku24B2/Jw4hdykspChu/p+grFOlHFYp0UaGMfASxzhHFDqAbYIYcttTOaz7YHmY7w+rLr"
    "djp+eCUPivhOQ7DVkWCvv11ecmGVGsTHjDh/U2zq7YmuK3eo4xIr5qin476ZsHujsKGFQD"
    "Plrr0Q6WH3CpXl8GCfb19m6gheG1QXh8iDCKq0QJs4i7/rubgk7JfUhbgfgm2DQoy7rzvA"
    "nsn435aBFxl3OccF/2//h1br8PCkdXB4fNo+Ojlpnx6c8rECG9FbJ2llRfo/QoGQwPKJVg"
    "ypoySSCbJbURI5Usm3Kbt2iE2HkzjJVd1JlVvxasxzQmsynTccX5fIBGMlxxjGpyi2nsi4"
    "zY0gOVPr49HJ0enh8dGSIS2vpPEhj+cky4hPXEyNLbqe7G3xgZRZLixT5hlsqhwYVsN3EL"
    "tbqVzKn+jGetWTbfE+kLrrZE5T+6seZn/9P+DWrJM="
)
