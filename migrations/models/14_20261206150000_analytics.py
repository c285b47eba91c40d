from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Analytics (docs/analytics.md): daily counts kept from the audit trail, who signed in
    # each day, and the queue of audit rows not yet counted, which starts with the trail so far
    # (the actions of domain/analytics.py COUNTED_ACTIONS as of this migration).
    return """
        CREATE TABLE IF NOT EXISTS "analytics_queue" (
            "audit_id" BIGINT NOT NULL PRIMARY KEY
        );
        COMMENT ON TABLE "analytics_queue" IS 'Audit rows waiting to be counted in analytics_days';
        CREATE TABLE IF NOT EXISTS "analytics_days" (
            "id" BIGSERIAL NOT NULL PRIMARY KEY,
            "day" DATE NOT NULL,
            "metric" VARCHAR(32) NOT NULL,
            "dimension" VARCHAR(200) NOT NULL DEFAULT '',
            "value" BIGINT NOT NULL DEFAULT 0,
            CONSTRAINT "uid_analytics_d_day_77e0fe" UNIQUE ("day", "metric", "dimension")
        );
        COMMENT ON COLUMN "analytics_days"."metric" IS 'sign_ups, sign_ins, new_sessions, failed_sign_ins, …';
        COMMENT ON COLUMN "analytics_days"."dimension" IS 'a sign-in method, a client_id, or empty';
        COMMENT ON TABLE "analytics_days" IS 'Daily counts, kept from the audit trail by the workers'' roll-up';
        CREATE TABLE IF NOT EXISTS "analytics_active_users" (
            "id" BIGSERIAL NOT NULL PRIMARY KEY,
            "day" DATE NOT NULL,
            "user_id" VARCHAR(200) NOT NULL,
            CONSTRAINT "uid_analytics_a_day_f61172" UNIQUE ("day", "user_id")
        );
        COMMENT ON TABLE "analytics_active_users" IS 'Who signed in each day, once per user and day';
        INSERT INTO "analytics_queue" ("audit_id")
        SELECT "id" FROM "audit_logs" WHERE "action" IN (
            'user.create', 'user.register', 'user.import', 'auth.login', 'oauth.authorize',
            'auth.login_failed', 'auth.mfa_wrong_code', 'auth.passkey_refused'
        );"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "analytics_active_users";
        DROP TABLE IF EXISTS "analytics_days";
        DROP TABLE IF EXISTS "analytics_queue";"""


# The models as they stand after this migration (aerich's snapshot; a unit test holds it to
# workers/models.py, so the next `aerich migrate` starts from the truth).
MODELS_STATE = (
    "eJztPWtz2ziSfwWl+zBOrZw48nPsq6uSHc+ML3GctZ2bnVdxYRGSsKZILklZ0U7mv183QF"
    "J8m6QeBhV+SSwSDZLdQKPf/WdnYunMcF/3BwNranr31iMzO6fkz45JJwz+yLzfJR1q24u7"
    "eMGjD4YAoHKk5uFQcYs+uJ5DBx7cHVLDZXBJZ+7A4bbHLXxa58Zkux6fMCKByIRyg+nwi0"
    "xd5rhd4nqWAxeoS3Q+Yq7nEss05ji5bg1gdm6OSsxDdhheIU/M4UM+oPj4LrGp684sRycO"
    "c5n3qpt8ymt8zNTk/54y+KgR88bMgYf99gdc5qbOvjA3+Gk/akPODD2GQa7jBOK65s1tce"
    "3z56t3P4iR+AkP2sAyphNzMdqee2PLDIdPp1x/jTB4b8RM5lCP6RF8mlPD8AkQXJJvDBc8"
    "Z8rCV9UXF3Q2pFMDqdL57+HUHCA2iHgS/nPwP/6rRYZp2sebe+3u8l7TOiki4isk6OFfGl"
    "gmLgBueoioP/+S8y4QIq528AEXP/Vvd/aPXgkUWK43csRNga7OXwKQelSCCqQvsGxPHYBg"
    "aVRfjKmTjeoISALf8Lp1MB1cWKB6sd4DJAZoKo/Yjliuc02u3a9ymWrBqk3ugWycdyb0i2"
    "Ywc+SN4ed+r4AG/9e/lWToCTJYsHPlxv7o3+mJW0iNBfbFftPG1B1XIUAcajU0eH6116CA"
    "O6a9wyMyZl+INSTAACSDOVv8SbjnMmNIuEtMBgTzOVYd6hwdlKDO0UEudfBWnDpi5VQhTA"
    "ig9L5A5FNdh/3gRggxoxG+Xwf/vcMyBIBRuRQQ9+IkGDgMEaZRL02Hd3AHT61sWsQhEwTR"
    "fdDXwR/qkKf0edCBD9Rv8DiXm7UA+fdX15d39/3rT/i4iev+2xD4699f4p2euDpPXN05St"
    "ApnIT8fHX/E8Gf5Nebj5fJQyccd/9rB9+JTj1LM62ZBmtuwVeCqwHW4hvvi81hthpUj0Nu"
    "IdUbQuUAJ4VkBuGyzs6OgK2AwP56XDfTdW1mel1iwQk3tUGmZjow2oc5oXDuzeDc8wIN4Z"
    "tbAo5WTdKPgKxS3Fd3Xz8j3aMCNXzMFO4RVWnU/gASFh+Z79lcIPgK3oOagyx53ldiP/vT"
    "NBOli6uL3e7QWahxRhcUfDt8MfPE19/C6r69urjvCBQ/0MHjjDq6FsM13rF6VuJKODZ9a9"
    "KbJK9Qk44EdvAz8KUD24FJjbnHB24fdMwnJqiQZWLIGNYttDQEABoVEJpQ8stZHH4eW8SF"
    "xQPMi5uE0cGY6HQOfA0WEAG+JgwGhJo6Xk7ZGfry9iw2CWjPlHy+v0AIsiNfybc7UIcRnb"
    "seBy1bzC6eNWPssUsmlumNX+UZGX7r+M8PiPvHMmaHcz66Mr0KhgdcbIkN46+8Tetg5cXJ"
    "Eb7C7ve93v7+cW9v/+jk8OD4+PBk7wTGivdN3zou4FrnVz9efbyPnyx4odgc4VMtLQ5kI9"
    "8fXiQGNJdxZWEVD+2EipR7hObrqflHqFKaavm1G1dE9/bKKKJ7e/mKKN7LOFlf+Bx4R+eF"
    "B8A7uRvKcH7YOCU5/jvKjTkRtmm3Sx6Z7ZGhY02E5YBOde4RJISBsixemlnOI7Du74hjGc"
    "bu1M6yNZMhH02BtVtDYP4s4P2ncAxMGIwbdMUBgrPpsItNFw2s8BzuEtc24A941M5335Eh"
    "CNMmTPD8ISCnFa8STNgeCO2B0Bj+Vu1AWKz2sufBAkLl46CDMqM2tdGvhX9xE/4C7VlzmY"
    "tbGn4NhQFTW9z+fdrb6x2pYexf8J4KpIkBbY46nYperA4VNNkFeR4W09jSgYeTgcGZ6YGg"
    "IewebGJ7KZVgo+d5lBhP1JhmeL2KGHsI8jxvXxUZ9hrP21WTof4+ZQL7+VKUHFFSjvp3OP"
    "hZQaovhCXHmrlkRjnotCN0sD8wKVtJXTgtoMX158UU3ph6EhLhhDAWwIKG7HDPQ58O98Z4"
    "byIEKtPyyJx5QjKDx03tU7z3u+lLasSjj8yVw63hkLAv8Dkg+gnVfseX6944zLZc7lkOZ+"
    "6b8JGv7XmuFFZWzhLCZKYiU7Qpo1Cr2ZffrNClylZFin6wRpmbNLhXvD3FmjCsUUkVp2/b"
    "zNR3MWgFlRCg0GjEHOKwISjKLvn8CYWsLnl3+eHy/lJspfvbzx8vUPLKJuqKo15abWNT2g"
    "YsE8uRaKwgo8WhVBaha1pU3h6VEMDeJv1IC/kLb8XFL4myalarKMy6kLzRJb9+KZeK6LSK"
    "SF6zsvFyKF5DhJDpcW9emWEkwLaQY6xee/ZxVo1lxIC2b0GvhWdYMJFQdd00pv/37uZjNq"
    "bjUEn7Gx945CsxuFtGIt9MRMYqjG+IDmFfDiItAsTuXPf/kcT5xYeb86QLHyc4T+AfLVrV"
    "8R+HavFfH//c1vzoyCqcJg5Vi9Uohvd1n53CCQkqoJkRAPaM6zKE2j48H5Zi6YcFLP0wzd"
    "IdBl/qZhtX8lEdh9o+VK/l9BxYkwk19YqojkO1qC6H6kbFhm9UStyu0HBFDJNXulQnPjnW"
    "E9ezg/FSY7pFhkruj9Zsf3hJg2Uwu4seBPS7oQ8Ajf1nvs+NuAzWuCcj6PwkQJdRNPtnJg"
    "D2TQsNlSR4D2IzyzZYbG6ygyBvgnfeDd/59UR/1SWwBGVYhwxrNgnVJ9xskwBVCRPuFpg9"
    "XWM6qnJcBePVTT2reU4dlDmmDvJPqYPUISX+r4DaYPwW2oTelhIC3hYIAW/TQsAjfFoV/A"
    "bjVcZvx+L6APR1C07CcS/Hx7Rhgz133WlWMkGBRhxCKCzPClSfkhkcSyLUfGA9MWcORyZ1"
    "vJT/vaSkW1LULZR105Z8WAqWw/8jku81Zuq2xatpzvkzKEyf+vrGWqggM6/rYD8N2WK9LN"
    "bR5sPNoVUL8ZnALe7L4j6M4atkzogCqXzSqmSk85EmNTdNamtppN+zLzmRIHnwKuO/4yul"
    "Qr+8u7y4hWHvL38hO36NEZLSNl+VO5SLLB6X/7gvdhqEBo8PNx9/DIYnPQlx4oHgYFdz2C"
    "wglnLWqLZRNu2tGRiUTyohfgHRBMTL1yX4uSIDUnwl2bnAq9fUtoEWy2+J9VBGGFkxyVQm"
    "D6VpdG5ZBqNmkY02Dp4g2APAr4tS4ZXN7pHzm5sPMUqcXyW5z+fr80tQ3gRZYBCXycpBbF"
    "tEVnWmrufK8keaLN2VdaAUEiF3jpYSFSjBTPz+qriPQG0Q24HtrbHIbpZXaLNC7Ha5hWIq"
    "oq3XpHocsqW6KlQPcBQhu3j7Cs7AiHjuJwRmsGAf8of3t8ygObGvvnMvcLvdwWxXZgOXQl"
    "5FlLilV6pcPEudqYItLEQSuEO3CVfrdDG/h4Vu+ssrw7scvd0tciw/4kAtuurLlHZBG7go"
    "6eLL3JEiLZjyj7kxQZKnKAFAiU25Q6amy5gp0vH39zCT38VUfVlLMKmadPpkR2dPfMAwdd"
    "fDrLJXwlmc+URZCGA2htkN6nrogYZpzTf+h2m2QQesMPnst7AGknwq/uU/d7kKAK0TetVO"
    "6AWBypoZFxBK27gwOVOWRcKwxe9cmHXCMdXsATM5/XJJ7tz1GCx408IyyyKdvY77afVhms"
    "FuqUCXCIjyhJFWUyDK1aenA/Kmd4Cp6vD3EXlzcKIGBYbccdGgy8wa4m0KeAsl3OZKtGlF"
    "Bs+5urROwrakVprUbe3LtvblprWXbkNqX14PKcgXBp6qrJOhCcXuF6pCkyHVBsHQsvG1zN"
    "SxPofLAIE6MawRKCQgn9muLF2Pc/rl691Ijw3q97/IibH155mN0bEZds/AuusOH429blgW"
    "BDUp7rnB44ci8ZnsxJ68dLmNVqnZhFIjw37ksqgiQifh1I20zWjyEC5SNeTnmWOZI8Ctnm"
    "XRupsAa8itrpEA3ZrCT/u946OwsAb+KCqlcXfd//Ahw6vVFun/FqRUUbi+BpGjcM0p04+9"
    "BUS1Oln8B3uhWMDWvG+xNn/rSc1no830qZXypLZaaauVrhela9VKI3Ife8CcBzOh/tX3aP"
    "7MHvo4YUzzVOLcUturCcr6LZOZNRdwpZOtz8eGdJ9T6R1/9EI4f16tvwPMGGwXVhcJwIkA"
    "F70rH9kczvuiPpk+SlulWwEe2y1QupGmNXTuBJjSrqufrvsXu3c/9VHznpqYsU1xARP4iz"
    "/BMhb++UVAvRqK+DfU7+ubVBVbhSF/a7UKQ6swtAqDigrDOiXfG9QXLkSISZbUG71dKPGK"
    "SgCajFUp2xveZubVO3JhmSYbeH6ci3uWVRmmlPDb6ZsEXtDw+7/LAvQYiOcKX5Vs2CZK0T"
    "vWdDSWF54GZCf+Iq+6IHuPuOuxFVeKUSVRVaFqJquS4PIl7ba6yXqrmwgEVcBvMF5l/HZE"
    "pSgRGE4N8pXY0wfDb8714lVOZLScTR0vo+tUYbZWAlLt/LiOaWG9LhcrhdlU2rFUyd+CY4"
    "E7cFBoU4dXyutNATYhvXcVwuVasnfxPrbQsKaeVpskhZO05FmCPCOHgtwiH1SBIAmwlgRL"
    "kKAt+fBSBbp1GV2kyWQh4CyujYeZRo1KVQyfm2eD3fZu73qHR+sysq9baPIrzlQ3uKcAFS"
    "7LFLO4+3Fu8v2bY39v7bP5qN9i+2ybGr9lVM9wxqSyuKUNtA7V45CN8bgF730qzJHiYHdF"
    "ZqWQeUWYvi26k+OCWFauUXw1SCZQoVLC+m3gOXEfi5vdEvbv8qEe/Wix00iQh2/hPiOuiA"
    "VBK3WmoTsF3o0meJwSEd0qWqN20Ygt2tiLNpF+x2ny80+Xt5fEd12Tqzvy8fOHD0vbuDFC"
    "YUzdcSUbdxRIXRt3Rh7BwF8X6tm9VXE2vPT5uYkWQa1rebk4qQU6/XoDmstcLDBQEbPZ0O"
    "ojWaT5h40t/LcP+YvIvxOlyrHqyNKCQQVqRA2iaTrk13lNwm0FJymStdp6rVtkvDMtM6vI"
    "S/5yDwEUNg4pu8yF7DeIhqtXkhpjkArjv/Pp/cUlQRsqib1yZdto76SMcbR3km8dxXvpzg"
    "1aoCpXUcRjgFtofWm6fh0j8iQjSi//MPGHtyfJEidJm3/8TeysNmlgu+krQxLqqaRZsEso"
    "pBsSVlD1FG8uLNWgzrGJuEdAwTCZfkYYPA8bNcK9DPvkOnXSZnkI25aqTW+p6pv/RSRiJ9"
    "89IO93y3gIxNCSTgJ/YtyDEzZ5EBHp2GNjGhTlHISh+TEHwc8Y+k79YYZhzTCGnnhj7ui7"
    "IgI06MLqWWRMn9jzxWkXpuG2KK1aqaStob+zAUN/a457yTjSWgd+HLJVopQWsltHWpuj2e"
    "Zo5sigU+/B+nL5lCeCRm4XS6BioMaeygugYlaXzBzuecyUXRBBOOQOmrHNEUCI5Ch3jALm"
    "0ANxc2BNJtwjOzCx6VIhXFGDyEfLkqAxSXUdD2jLnyjAjYpkVgeoBU/VHllGElu+1JoAa+"
    "XWEnKrTeeGRTNWdUFO1AKklVyXbi/ZFFNVG9Zc31YV23DBcVWD7knYjfgFNmmjbAidlQ9Y"
    "FsLONeVGvjwo7pYRB7ENVklpEOcslNVEvnYJMS0lBq5s5lYAbIIA6LGJbQBWqkh/UZgtFP"
    "32eyVEv/1eruiHt5JZjzSzp29+JNsCQuVQKocNuC28F+gBCZYFeaLGFHMo5EdIHrLIbzwT"
    "6Q0iH0LyEsshIw7KJ5naS/sv1xIZRz38tKyu5LnNAKIgW9MJoPf24PjgZP/oIGwHEF4p6g"
    "mQrtthwrrXfBTVEM4ywLdQMm+6hNYqYOX21vYqYG7NbhANbAbxTe7qoWjbW6fRZBSwMTTu"
    "BFKKr/1c968+aCBWaP37+0tA5N3y0ksTVoAimvcn6rpofs5Qu4Nb3SKd25aDyja89sv5kw"
    "HG4IlydC7ZkeXosJiHrIOZ1qb7JAMSAOXDX2H2qgwOkqnoiwmx5fWTKBUiK4e02nQTtOkF"
    "jauGASUBFU6+FumQi8XM9S55oC47Opg6RjkWmMikOShXDvOgqB7mQbogptxM2a6tc25SZ1"
    "5g+x3k+LYe5p4MJVJDzBTEuLi5u4ywjqWPoXPfrRKeQIDm86uP/dtfsrXo8ww3zPkv95f9"
    "pBmEj0zA89TMEBjO+ShXmY7DKatOC1pgaClujAH1LOc7l4jXBj6O/ZYJ9ls+A0ZPJlP4NX"
    "LgVC23X6T+/X2vt79/3NvbPzo5PDg+PjzZCxXx9K0ijfz86kdUymN7Ka2lUzqaVuNiCwiV"
    "zYJpOhEhH5Cd/zDHcskMbhDTwpBcQ08d6aUsiGXqpu3n103bT9VNa4snr7l4MnowbMvJMv"
    "Ll++fjUEu56DekwlBXVDPw6zMQh+HbY+vCMZssfW6sxXeP2sLU1pjBRxxRlT45ikotZ0Bv"
    "sNxyDQKdXxLq+WXvHVFS6BR1gLk5ACrtTGAOvquzJz5gr4i90HNUqciM+AbNXlryK9IphF"
    "OcQndIIdxF4kwfMIdNLFMpKrTm1vyzZHvNrbgctZopsEnYxhjlvknDaxui34botyH6OXZh"
    "xxowFzjZhTWBQXEraN6YbqGlOBitDeTw0jFaj8wlAQzhmLtteaB0okQ3gRnhAwCDwvA7wE"
    "o0IptUJw9sCGuNjLDzEt4T7UJQVDfmhI6o3/4oEbS1zket2OxcVGVdcdOnX3cyqDkpMbkD"
    "2tSjnwp8RgCh4ibTMVgO3soSP2GlWM4rGScDP/vXf/8UIUwdI0OvlB7cK9CDe4Ee3OYHKJ"
    "AfMISHM8d2eJZ5NB/VCTCVUR3ZPv4CEXXw/0Zw+dXZAqsngmB9VUxAIUADrD9tfsZKtkJb"
    "SqTppUQ++RVe70CgvzJzJMToiOfkQzFW9IbRuFm6w/zI3IXRYRdMC4WrsPqse0pAw/CYEB"
    "kMa8RlbfF4YfKx5Xi7BnYRSYmENyYTLTd3I302qRl/hgw6kI+Zmh43QrEG8dzFX6YYIp7/"
    "uyleQA4URc1fk1t4O2viR/xG3k2EQywrPIoXq1zDPA6lvjAZKWIuXv0lD8J8QTCo6PwAOE"
    "DJripV8uCbIK9EKOR/hnDsWo/8RYn1bKHcAvfgUoVy1ZbM1+IfFCVun5jDYU4sa141nyMP"
    "XmX8y0q5wUsH6RxL+znWkqLhMG/qAB6tKkSJAalMiZUYudeB9mbVVW3za+u5G6REVdOzlA"
    "JuXUsq01pI+lqt5kEZoCtJXlyH8K2M1S+CtPrMNHeSdq81ZK/VddtnztBSXWWqu9OHf7FB"
    "tea3CxCF08Fr8tTe4WEZP9bhYb4fC+8lYv8da8izogULii0tQBpgy+8wrBbSJeK/QLPUu8"
    "IJiUjoEvxXNjKMN7WiXOVwz2a5AtrQtfq+gMR2lSb0akFNCbA2sKk4sClAVxrFlYObrkT2"
    "lzf/FJmymSh+NtApschiwU4X/buL/rvLl4p1QhcSfOL77DTYyN1ukf/KleO08tmw7zHh1c"
    "PK9ghL6ADjo/w+ymd+4qrfYrnru5fQH0Qm1hNzMUIGPz3lsSqalezgweY+Dd5E3/a1PX/1"
    "mtzD8eagV2oC/1sGIxM6l89Dhvm7iYfdGfmnPwGZ8BGu0n8Kx1p4Faf7p1/jShyP4cnpDu"
    "AXJdYMVveyHq3HavFQj8oHRN3+cEGOj/ZPAFPTyYOIQglcJVUTEjft0aLGyHK4N55UoUgM"
    "aCtMxgnnSZnMtbf5mWtvU5lrfjbtv2aPlYTxGFRb/HQJiRo25ROaYDND+PKdIwkwldc6Oq"
    "ru/uuEfLq8zqk5hqUaHECUDIkA6uwiv391RrCE1FzWIkOeheFopkUMC2PqxFhXTX9XqybV"
    "IoVCalEpW5EDRHBqkTkO2RiLYCex+85AfOSGEXihXT/6SPyca+LH8hu0aasi+fVV1kUStj"
    "krgxJ/TQsubTCKukQoaIq2BC4TiZnLt2Zv3JJw2JP1WJNRRCGbsxwwLNHXDakDih8biowW"
    "0B6D2KbtXwGKhNPeYSzoLRvC14zvkSSdLGtEalC30CiBwzVHjtckocsZJ8SDiA/pL5FuJD"
    "T1FBYI2sMZ1hnEFYN5TkRuA5kF5TcJTRko+vFZCTXQwDAXqVTiCdR/xmly+i4Wfcl4xLL2"
    "BPEelR31cSiFrQvx+EtagH41TQxyEdeImbFXWgKzldDX6M2t1Yx4ZW2IG0Ta+n6LCD9e0m"
    "2BOdl3i9maidxnPRbx1aWSw0LkxGcIB0GufL48IOz05QSAT8yyDUZmY4sMqIm5K4SboEha"
    "Q2/X90oQDOMHPYLZ0oH+JnCbEzy3nYx8Gp8ibQVOBVhF0ZEbELKKPBSFUVga+q2/+yvd/c"
    "/e7vfaH3/udw/3/qoj9RyWyY44zE+OOEzlRogdVAXfIYDCyHY9C00NpuVMqMFBwjwFRjKg"
    "BsGm3eTjD+8vgLm4bHdoGTpK/7o1QTXi6t3Hfh2q9A7LCKMwqiAIKqPjnOvOLODZVRWEFK"
    "DK1n+Vws5E/QytKv+JQ20hrteSkiVKVlVFdQxoXZh+ufj0tSDaBiRVQnIIsIXBquVqrhSU"
    "XElVnLCywlQRuZfmdJLSaxJlVjLjVde3kMPaWFWO0s93l7enIjD1d/P65t3lbf/+Bi6gkO"
    "9g9d3fzf6766uPp4TqE17Sdr/uqAXuatjP7qlqvdEY3AbrWAaU2qycvsKSlfE45opYTwNv"
    "EPXhlYbjHqP2liNAaga1qdChJrAc3cEoQxGzxl0MOsSC7WRG3cDnrAuH0hl5ZLYn9hl5mB"
    "MKf/HRyGeGitBxMqQaMxGLVemXgFSdbgTQC0LzBGhzf3P/CSbB6moyRlTzLM8uWbV9M2Qx"
    "LQ9d7iabBRViKlInewKlT5cOMgThnUeawA7CItZ+NZqhY03QVSaqWIsoXJN5oG4+iqL72C"
    "OBwKj9PaLT+fLhVyskpFAeZMpdzQq7UeDGuNq/Sb9OG2CXL3tvbx7S1NZrUj0O2VJdFapn"
    "bHb/7RdU951CNageh2wMR++gL8zP0DklB3sHBEX3+WzMHCabGy597Cq+BirHT0XyRqSKEI"
    "lJSohyPvwP72+ZITp4ZKwN3+/Zl3OF8VAN4wl5DunY7noEjJux2oj18fUe51rUZNxGdKEq"
    "NhhjZWlzxJZE1/WQXgRTbSu+HDawkHmJKhjL4+vWn+4CrmwryixsfibGMDOr4VUVlN1gc9"
    "MLOdW24ivaKrY+piJdabcRSVxmhPNl9yCGAgXZ5duKKz9AawWY2r5gthiiZuwBeZW5shMx"
    "6MZc5VhU08qSRty6A/fCXZkTwBfdtcWBfFqcWTwf0veBm49MJwuw00VBm78RvzxS2DLbJG"
    "GEUSJ+fypr9wZWfupllMQWFQjC2YOGHf4zMI5fFNbJi9z/LVZlIyjc9EcbJKhSkOALlOBS"
    "jf1uIBhqw3GBGzKdzMZ+98d4RS007welTygxgF/VrXyxllBAQzDQOm6LKOAWmjWbbsJK+a"
    "d8Q0tdD1UcvDEWzW+S3m3VtBVKC213zba7pjopXM9318xiBCvAa1vYTwqpL58nF5h2crTt"
    "iOXnGWU7am16XtXGvlGONSM2CLIiXKUbkXT9CB7LIQODY5r9yKEmyL1BYrZjYbE/l8Ty9s"
    "MskjafrnmqcjYly2p02dDKdgXIaPiEtSLiZQcwSG3OPNkBrY6Ct/omAm2wUj7qmxm2UiZY"
    "SehrdRsHJGC3kPINoXQpTa9ZfZZaMtckc6OqeLXdtGruZVPX4FByswqaFNjGY1BqG8jn6C"
    "XDDBp/VWLq/MiaYs1e/4r4S4qGDoNjCH6HOed+De6vRGcilU58UA0xa79XQsza7+WKWXjr"
    "ryTlYIs9zCXeqxEvDqgy/UTCxleCZVD4gJ2KOiriA4CqXcKHhJpzP7/35fM0Q8xWK6yeAF"
    "OZHFRm0HAdtW4akOU7F1vRPsKNMCO3ciZzuVTmolzmVDIztzU/o64KNeJQChOjpnd19Qqf"
    "sOvQka+AlsVzHGr78HxYakkfFizpw/SSfoRPq4LkYPzmcvKpzSvalBDklLx5evsGo6veyO"
    "7yX4Pm1qcx9zZwmsDsJ1tew0Bh9TsNyq9iaUaTiEBQ3yyoxtkg36XiyRADWtMWWYWlSpAg"
    "KCPqSpLVR/7qOZQ7sOysYL38lg8LiCa0X8vCv/wCuTvKyqwFeF9PNwjq4PquV7YyE3gJm/"
    "rLbRWf1QVX8dqczDD9yaceKVuJZDU+ZzrJcN7l7xV/eBM2ytiaLfLA8SQRuCU72Dno5O3x"
    "EXmixpS5y2fsr2W7iEyJwGRSxSATA2xMGA0o78xckAutxEIQwI4qoAaKXQI8YGlaNc5o08"
    "aEtDEhLx2v8HxMSJn01bzC+vVzKjIr+28JDdaeVHFveXYnJ8RD3Os+G9/hBcOeje2IFMtx"
    "z6TIygYO8wgHJU8WPBV9E2UTrSSXX+RPROY5JUB9HQbIsi7MdCxjgpEhslEPlurRWVCvB3"
    "sfLNvyQB1OvKEAEFn6+jVfXqFYJmNCrBNtsTDiuM9vI5cCVDl7oiNUA+qy/Z6/M7rPNpSb"
    "DOnysut6esQFRbLqxIUkYJsjwX78/OEDCKvcYBFmBPzNZ1Pfnui6CPVwPWZnHPV8dGXm7N"
    "40bGIh8FJZ3xsiPe5eobLs7+3C9rVMneBro+riMnkQoVcSGwvb8K5n4pKwX3IPvSuMOgbH"
    "/J1IP6kd04K/bYPOS+5ywAX8t/t9r7e/f9zb2z86OTw4Pj482TuBsQIb6VvHRfXLrn7ESm"
    "Sx5ZMuTdZGgOUTZLsiwCrUrFmn7JpOpM4QYjOzrfOl2Zxs7zIdP6QIGjyPDJjDJpbJmS/m"
    "hhNGJN1Ivy4h9WaIu8n55iD7hlOdEhcGGsJU0iVD/gSyADenHnO7eY9YVvZtQ543IeuGFN"
    "Yk6Sq5jzJgVe5ykYp3HkS36su7kXwpuwoJIiBK6xoOG3FEpdgsXwlyPky9GYTWlpf3oDYr"
    "7LQNSKzZwk6NLoWKhZZsE4Vb7SCfhW6XdpBbSbCiyTQLdq2OflX2dhPyxLcGm8q4BNXEaG"
    "2PYJi9nMsOVoDaisVFG4riLEaoUqZ4nzl8MO5kGF/8O90iiwtdjHnOyJKP2RUbNHKN0Zl8"
    "M8MA7ZNx08p0eZFDWoh7bw+OD072jw5Cw3B4pcgeHNh+8+0XT8zJbpecrzNHQFTWmWvGha"
    "+luhluqgoY9odvIXbX0nMQnuhlZjfkx0RGQJaKi1QN25sIeXxRp8Jf/w+Ua4Fy"
)
