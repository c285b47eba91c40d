from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Two keys sign at a time, one per use: the access-token key (EdDSA or ES256) and the ID
    # tokens' RSA key (RS256, OpenID Connect). The one-signer index becomes one per use;
    # `usersvc migrate` then makes the RSA key (workers/key_admin.py).
    return """
        DROP INDEX IF EXISTS "signing_keys_one_signer";
        CREATE UNIQUE INDEX IF NOT EXISTS "signing_keys_one_signer_per_use" ON "signing_keys" (("algorithm" = 'RS256'))
            WHERE "retired_at" IS NULL AND "revoked_at" IS NULL;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    # One signer again: the RSA key retires, published a day more for its ID tokens, and
    # keeps no private half.
    return """
        UPDATE "signing_keys" SET "retired_at" = now(), "verify_until" = now() + interval '1 day', "private_key" = ''
            WHERE "algorithm" = 'RS256' AND "retired_at" IS NULL AND "revoked_at" IS NULL;
        DROP INDEX IF EXISTS "signing_keys_one_signer_per_use";
        CREATE UNIQUE INDEX IF NOT EXISTS "signing_keys_one_signer" ON "signing_keys" ((true))
            WHERE "retired_at" IS NULL AND "revoked_at" IS NULL;"""


# The models as they stand after this migration (aerich's snapshot; a unit test holds it to
# workers/models.py, so the next `aerich migrate` starts from the truth).
MODELS_STATE = (
    "eJztPWlz2ziyfwWl92GdenLiyJbtsbdeleIoE298ra3s7JujOLAISViTBBekrGhn8t8XDY"
    "ISb5OUZJMyvyQWgAbJbhx99x8tk+nEcN72hkM2tdwBeyBW6wT90bKwScQfif1t1MK2veyF"
    "BhffGxIAeyM1F4bKLnzvuBwPXdE7woZDRJNOnCGntksZPK11bZFdl5oEeUDIxNQguviFpg"
    "7hThs5LuOiATtIp2PiuA5iljGHyXU2FLNTa5xjHrRDoAU9Ek5HdIjh8W1kY8eZMa4jThzi"
    "vmlHn/IWHjO16L+nRHzUmLgTwsXDfvlNNFNLJ9+I4/+0H7QRJYYewiDVYQLZrrlzW7Z9/X"
    "r+8ZMcCZ9wrw2ZMTWt5Wh77k6YtRg+nVL9LcBA35hYhGOX6AF8WlPDUATwm7w3Fg0un5LF"
    "q+rLBp2M8NQAqrT+OppaQ8AGkk+Cfw7+T71aYJimXV0PtLv+QNNaMSLCK0TooZqGzIIFQC"
    "0XEPXHd2/eJUJkawsecPa5d7uzf/hGooA57pjLTomu1ncJiF3sgUqkL7FsT7mAIHFUn00w"
    "T0Z1ACSCb/G6ZTDtNyxRvVzvPhJ9NOVHbEsu17nmrd0/vWWq+as2ugeScd4y8TfNINbYnY"
    "if+50MGvyjd+uRoSPJwMTO9Tb2lerpyC6gxhL7cr9pE+xMihAgDLUeGjy92ktQwJngTvcQ"
    "Tcg3xEZIHADeAXO6/BNR1yHGCFEHWUQQTJ1YZahzeJCDOocHqdSBrjB15MopQpgFQKX3BS"
    "Af67rYD06AEDMcOPfL4L/TzUMAMSqVArIvTIIhJ4AwDbtxOnwUPXBrJdMiDBkhiK5A3/p/"
    "VIc8ue+DlvhA/Rquc2+zZiB/cH7Zvxv0Lm/gcabj/NuQ+OsN+tDTka3zSOvOYYROi0nQT+"
    "eDzwh+op+vr/rRS2cxbvBzC94JT12mWWymiTW3PFf8Vh9r4Y33zaZithJUD0NuIdVrQmUf"
    "J5lkFsxlmZ0dAFsDgdV63PSh69jEctuIiRtuaguemujioL2fIyzuvZm491xfQnh1S4BrxT"
    "j9AMg62f3q7usnuHsQoEYPicw9oCqO2k+Cw6Jj6wuZSwSfi/fA1jCJn1dC7Fc1TT1Rumxd"
    "7naOZwuJM7igxLeLLyau/Ppbsbpvz88GLYniezx8mGGuayFcQw/rsEjLYmy8y+yY0RZs4b"
    "HEDnwGvLSvO5jq1L1g41aSXsHva2fqFGCUZrBxTn1CzxanlL4L0vuJOJkEesdjcTZxMhI4"
    "ctDXGzgz2uhj/6I/6CNs6Whw+/XqTDSmnFxrFv8/0PG55RZQAADRIwtXrYDnloXys3VjeI"
    "XdHzqd/f2jzt7+4XH34Oioe7x3LMbK9413HWWcHh/Ofzy/GoRPeGjIVguIZcK4h8YYFdLl"
    "nzBUlYWg/OQIyTjvD3OIOO+jF+pSwoGusIDjoSxpsT+F5sQFvzYkP+uSD8uRe3t55Mi9vX"
    "Q5EvpiaIaXKoZkBbF9KN6AqsRyqTsvfGBEwLbwxFi/zlDhrNiREQLavgW9kTODiYkesTEl"
    "ThzTf7u7vkrGdBgqKqDSoYv+RAZ1YnzJi4mm6xBRAB0hkdNH7M5l759RnJ9dXH+IyjIwwY"
    "cI/oVgXAL/YagG/+XxT21NqYmLnDRhqFJHTcXwvum7U8qfQgS0EjRh6XgOQ20fnru5jvRu"
    "xpHejR/pnIgvddyCl2cYavtQvZHbc8hME1t6QVSHoRpU50N1rYxkz8olbpeNLKbqfRnF5O"
    "UIix1swKImrQTlZKi/naWgNEdYG/pDcyopb4ilC5ojhwhi68hgY2ohxyW24/kVwJzKt8AJ"
    "OEBh5ZyU7AHVU/PMJswhS9cmMIpzOp64bfEndeGxI8bBacF//EgqY9BO6MlvGt+nqlhH2h"
    "lKTs+PxlsWRS6pKFytPHAWizSfsXHTzO+MM2sscKsnSXl3pjgaUjX+EdCnVf/rUh7tbeq2"
    "8lT/+52jw4WyH35kqffvLnsXF74+v/GgeGXmc+lVUILIQbj6+FCA44d0ofAMkuCoxsSx5r"
    "5Gx4l68fyNY1x5pr9xl2ncZRp3mVxS6a2QyR4Jn5+JllayYBoa0n5KNuVq9JLLfFo+vRNI"
    "NsiuQBPywZEElxEyD2QuLq6saJzNuM400uO6pUegaQnhMQJWZZN36/Nl72z37nMPRMipmJ"
    "ojDAsYib/oo1jGI85MdNc/uxXwX/r/Xw2J8hV5Fb9KmafhfBvOt+F8G8634Xx9tF/3pu7k"
    "zKBEvnmM6w12Z3K8TOzAiTaUI/NGoNvEOv+IzphlkaGLFOwpWEc4EQwu5iRgg3ma+W31LC"
    "Re0FBR5sidYBc5YhE60ujihaNTaOdsOp54DY9DtBN+kTdtwXuPqeMSrsJsxLS6Sa1VDTPe"
    "BxY1ageBqmsseGGHmHROW/5fAN/++Crz1mUd0HP5D7zP8B94H/cfKOq1Wwd3XUDjiOrg94"
    "oh+t+e3otDpYyEsn6f/xHlDmQi4O48jvYPjBkEW8mYj0BGCHAvQDdFgUVLARJYDAFmBQ2Q"
    "jT1XgJX4mw/X1xchdvXDeSSw5err5Ye+oIYkhhhEvQs6bh8T1wLl4qLQppwWci+NAa7kYV"
    "q1w+a5XUyhH+LT2NTVSpMkc5KGPCuQZ8wxZCSSDypAkAhYQ4IVSOAMWUHsLyEaxK/i/a57"
    "bjIaSB9EFyeLY8NlpmFjXIRZemqe52OiWrd3ne7hppTsm2aaPImyhMI9Blhhr+KQxl05bH"
    "nvXx/9e6OfTUf9Futnbb0k1cOQDdWrQvUEY4x6+yXVPR1oGaqHIWtjcfPf+0SqI1W6TEiE"
    "IXle6W9uoxnjD7AgVuVrKr4aKhWT4Cm5U/w+lp3tHPrv/K4eMC3j9D+ernrp5KE03KfIkb"
    "4goKVOVHTHwNvBSIUTJN00EbOGouN+Lv4gKgcL+nXa2escop8+92/7SJmu0fkduvp6cbGy"
    "jhs8FIrmpAwBVVfHneAQP1Tronp676oYG176/nyO+NvGtLyan9QSnfeczQA9DnEc8QIFMZ"
    "sMXX0ky6yqNmePFMQ09faL80UGklHHmQqhja7urV6AGkGFaJwOA/ItJbgmCrcVJ0kWr9X/"
    "5yBbh7RgtS6ur370h0cVS43yrhLKO4spP5W8y30BUGHlUGWXueT9hsGI30JcYwiywvhv3X"
    "w56yPQoaLQKxfWjXaO8yhHO8fp2lHoiyQ4A9HFF5WLCOIhwC3UvtRdvg4R2Uzw0ku/TNTw"
    "5iZZ4SZpAmlfxc5qgga2m76eS0I5kTQJdgWB9JmYFRA95ZtLTbUQ54gp+5AQMCyinyJiQQ"
    "p60cBJgn5ykzJpvSyETb6iuucrUup/6YnYSjcPeP3tPBYCOTSnkUBNDHvQJOa99Ei3CZeu"
    "69J0NFy45ocMBD+B6ztWwwyDzcCHHrkTyvVd6QGqAKFM2wQ/kjS1/y+L6I6lavi3JpS0Uq"
    "GkjaK/9QyK/kYd95J+pKUu/DBkI0RVmsluDGlNjGYTo5nCg07de/at/5jGgga6szlQOVAj"
    "j/kZUDmrg2acui4UeqTuBAyTlIMa2xoLCBkc5UyAwRy5gt2ELLzURTtiYsvxCmFgA3mP9n"
    "JbhjjVTTygSX9SgdMoi2flglriqdoDSQhiy8ilHQZr+NYcfKuN5wbDCas6IyZqCdJwritw"
    "rvVSVTVuzeV1VaEN519XJegehX0Wu8Bz6ihrQufKOyxLZucSCoan8oOXqpz4k+wgFO7OyQ"
    "3CnJm8mozXzsGmxdjAtc3cMIB1YABdYtqGwEoR7i8Is4Ws3/qLvTkEGyRhOad7si0hquxK"
    "xcmQ2tJ6ARYQf1kgr3AXnBTwEd4ZsoxvPJXhDTIewjtLGEdjKoRPNLVXtl9uxDMOu/Bpbo"
    "LOOTWrfRBka1Lad94fHB0c7x8eLPLaL1qyktvH83ZYYt1rCkUlmLME8C3kzOvOoTUCWL69"
    "tb0CmFOyrEENqxq8yl09EqJCqU0dAqwNjVs+l6Kkn8ve+YUm2AqtNxj0BSLvVude6rACKi"
    "J533A2JI5D9DOv2GArQf6OjWlnSeG2P1pT9Qtzy+IPxEE+DKLgo8eE8OyeIIxMMaP4AI3q"
    "0oNvCBEH0mtIR/dkxDhBY8iwCX0yLRzixDbmCI+xSnMZEc43+ag1C+tZ2XTWJzpuMr7Yjy"
    "32MLlzz9mDcvk6lRXkoJPooBQRb8XkT1lI7o0nD4mfvcu/3wQIk++E2FixycYOVAE70Eg8"
    "nHCb02KVgiNgVUZ1YPuoBSLzHf0vguVXZgusnwjy6CtiilsANLXIX4sdrnEZr7vL+B0dWw"
    "LrX8g8iTsM9GbyhY43Di65nByhmNJZJj0XPAHwlSrP0CmyyKPgIlQKojZyXNCZQhp1ZLJH"
    "wd4JzgI+Pcb8Zc2KdlQO9XfBt31rz9+8RQPBh/CpBRtDnMcGQSaee8+DRferJfgU8xT97i"
    "dhN+kY9s3vkodZtMJ0vysbEHA2pkxyIzPbDcUvjNhM7LdV2ciHYnzkQ+UZydtPZ+jocP9Y"
    "YGpq3svb2+cqvVzWSLFO1ctbg40x49SdmEUoEgKqMo9Skh1cf0ZMbxlo/5o9FGFHwlCNc9"
    "Aq2as5fRTYSRZ90i10EbAqr3VIeXD3P8fopn+ZYpNDO/aU21A0XV0fu3DevzlFYGKZe7Y6"
    "OLOAjbcYMhjIIl5Fj2qa7OrFaVZlf1WJtcylgeaCCLwUmcOQ9dFBR3bfqWAfqWEgwVFS8f"
    "kOAj5P/Zxr8sfr0EoHV0X064usiyhsfVYGRmpNy1PaIBhkiQWjKd32HeJCyysstM3Jo5CT"
    "yh0UQcj6LIdgZltOFsXWsZeJ9HWsgKqoISAB7C0Zia+ZDIAkrSRtRGxQO1MpAcM17o33ah"
    "PkrWws09EqSLVEgvluT2SGWlv0Egja9OxDyNsGnvVIJdGIKSh64VkRNkDBMJcmqEhO3Mj0"
    "bTFv0iNW1Sd4NRuKZsENQ1VYuxBOg4sz0F9NFYO3iEt4iNhrdRFpOPTNXbzlkvXULW/sy8"
    "YUB87jNYQV3y1nqydyn4wuDq+uUIDxWe/urPex/1LxxTKsO4E58MO90/kBqafPxwDcEGYb"
    "BM0mDA2xJcTJMaKWECTZyN1VVgkE+ZuFHEFsRCAq5R1MD++E4N7mj6kXShPvUYGjIuvK9Q"
    "lZhB8KwlSYG/qlt/sz3v3P3u4P2m9/7Le7e9/LcD3dPN423XRnm26sMKvcQUXwvQCoMLJV"
    "OWiLcRMb1IFaKgYbYgNBUit09enLmThcHLI7YoYO3L/OTBAjzj9e9cpQpdPNw4yKUelOUN"
    "2EiGzHmTFxZhcVEGKAVdb+l7R0dbrdXBjvZmC8m1wzt+j5E4baQlxvpB60gUugOgS0KUy/"
    "XJXzjSDaFkgqhOQFQIVj+8qeGvl8VTNcVWOeesxIQW7fmpoxuSbinmo870JepHcqcpV+ve"
    "vfnkiv4l+ty+uP/dve4Fo0AJMvXo+J1t7Hy/OrE4R1M2/ZkU17LVBHg3jvxwTSZJY+D8E9"
    "Y+Fzn1LPy6evsdS55Ak1ZeZLkJQysR4HrnbN+UriHrz2ViNAbIZqU6GFLXHk6By8DKXPGn"
    "XA6ZBNLVdWQvK/RBqUTtEDsV25z6DIHRZ/0fFYHYYVoaM5whqxAItF6ReBrDrdkECvYJpN"
    "QZvB9eBGTAJRKZ6PqOYy146l/XhJskie02BjapUwBcSAa2OhfZXmgMYvK51l264QgKas9D"
    "ZTPWGzN2WlW2BCUYEdJ+hg7wABxzefTQgnXsz4ytduxddAYbebQLiBx1kGXFki/JmC//Tl"
    "lhiy1nLC2lDmsp4318KNpmZnQpodM8bMLgrYrYivyxE+C9bC20Z8cTJksBuXlcFXwtetms"
    "6vR76NKIvXSSmPsmh1lm3El/IrWBFT2+mD8X3TbhM+ylK8JwIYzXai0IJUfNqZ4tqCoMqZ"
    "rAUkxdB2oH40HVu71IIEd6rIjyyEcbrw0+MMYj8dFHLjXBgVG/eK+rlXJFMyr2EoGXotVq"
    "Jn8D+FWANwHQ57oVrMRXPiIumzWcZ4sf7kD40SIh319RRH8yghpKawZIXQKOwWUr4mlM6l"
    "ZWzK/b4KMtcqqKtJ7l+OyNTWlBGyCCcVhto+P5v1M0VS9hHiVbGsZGGo7cNzN5fDWDfDYa"
    "wbdxh7oFbBNDfWRsuDxiUxbNOCcheAnKB3j+/fgdLonRSF0Z/oHgIJCD/xApGVYPwXZyEa"
    "Dxl7oEQMlJLxiR+xCtFsFpI6o5TCui/j9vRCJV6f5XbxqnT6kZeOR7LyyN+iwq/PlV44Af"
    "/eFyBVQHVl89FmEuhgDuu7XKRfIvAKeqeX2yrqqPNboW2OZmD6U9RDeZ03V1FNBQxqZkKh"
    "0fS9oobXYaNM2ExiXBZVh5tE4hbtQLK14/dHh6oAyepOThvZLtKo4osVRYSWEGB9jOKzCb"
    "GW5AJNimQEIAnVhHm7RJwBK9OqdoJNU2e5qbP80pHQq9RZjqZxiOciKW8DTUyGsiU02Lgl"
    "dMBcu5ViBpV97SdtoK4/7En7Z8C/2Dn1WFYy5MRFVAh5XoyoTDW7LGgWSRkDzxMCYWCeEy"
    "Sor0PW8BFnJiIWZ4YJ1lMvtxl4N+vEd3GGdDGrZompzkn8TEZSL1vA27z1CDZjKvXWiVam"
    "Nl4EsMoRoS0pGmCH7HfUzkiri7fMwWmO8Oq862bSavpxBWVspxHY+nCwsl7hbEINEjiMxP"
    "mmjqnXx7ouzaGOS+yEq56OUysjxmFL1Ud8JtLD7pUiy/7erti+zNIRvDaILg7xLiIIhYJc"
    "7LZ411PZJPWXVBa2JJgbVIg9wRR8OxaTpXfwPOcuV+UXf+h09vePOnv7h8fdg6Oj7vHeog"
    "5jvCurIOOH8x8hCie0fOJhOY2XRDpBtstLooC/9iZ51x7hdDhJ4lxVTybfipdjnmJa0+m8"
    "Zv+61EMwkXNMOPgUxVZjGTe5EdZSGDadR3wUbGpiZrN0a0sApMp8YUl75EayssCmKoBhNX"
    "wLsbuR9CDiiW6iVT1dFx8AaUo7FFS1v+hl9v2/XYnVeQ=="
)
