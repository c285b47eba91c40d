"""Baseline: a bare RPC round trip through RabbitMQ to a FastStream consumer.

Two roles, run as separate processes (like usersvc's edge and workers):

    # the consumer (no-op, or one INSERT in a transaction with --insert); run N of them
    python bench/baselines/rpc_noop.py consumer --amqp-url amqp://guest:guest@127.0.0.1:5672/usersvc-bench
    python bench/baselines/rpc_noop.py consumer --insert --database-url postgres://postgres@127.0.0.1:5432/usersvc_bench
    # the HTTP front: GET /rpc publishes one command and answers with the reply
    python bench/baselines/rpc_noop.py front --port 18182

The front is a single Sanic process with its own exclusive reply queue, correlation ids
and a dict of futures (not FastStream's `broker.request()`, which serialises callers),
the same design as edge/bus.py. The consumer is a FastStream subscriber with a bounded
prefetch, like a usersvc worker; its return value is FastStream's reply to `reply_to`.

`--durable` (both roles) switches to what usersvc's command bus does on top of the bare
round trip: a quorum queue with a delivery limit, persistent + mandatory messages with
an expiration. It is reported as an extra row, to show what that durability costs.
"""

import argparse
import asyncio
import logging
import uuid
from datetime import timedelta

QUEUE = "bench.rpc"
EXCHANGE = "bench.rpc"
TABLE = "bench_rpc_rows"


def _queue(durable: bool, insert: bool):
    from faststream.rabbit import RabbitQueue

    name = f"{QUEUE}.{'insert' if insert else 'noop'}{'.durable' if durable else ''}"
    arguments = {"x-queue-type": "quorum", "x-delivery-limit": 5} if durable else None
    return RabbitQueue(name, durable=True, routing_key=name, arguments=arguments)


def _exchange():
    from faststream.rabbit import ExchangeType, RabbitExchange

    return RabbitExchange(EXCHANGE, type=ExchangeType.DIRECT, durable=True)


# --- consumer -----------------------------------------------------------------------------


def run_consumer(args: argparse.Namespace) -> None:
    import uvloop
    from faststream import FastStream
    from faststream.rabbit import Channel, RabbitBroker

    broker = RabbitBroker(args.amqp_url, log_level=logging.DEBUG)
    app = FastStream(broker)

    if args.insert:
        from tortoise import Tortoise, fields
        from tortoise.models import Model
        from tortoise.transactions import in_transaction

        class Row(Model):
            id = fields.UUIDField(primary_key=True)
            payload = fields.JSONField()
            created_at = fields.DatetimeField(auto_now_add=True)

            class Meta:
                table = TABLE
                app = "bench"

        globals()["Row"] = Row  # Tortoise discovers models by module attribute

        @app.on_startup
        async def open_db() -> None:
            separator = "&" if "?" in args.database_url else "?"
            await Tortoise.init(
                config={
                    "connections": {"default": f"{args.database_url}{separator}minsize=1&maxsize={args.prefetch}"},
                    "apps": {"bench": {"models": ["__main__"], "default_connection": "default"}},
                    "use_tz": True,
                    "timezone": "UTC",
                }
            )
            connection = Tortoise.get_connection("default")
            try:
                await connection.execute_script(
                    f'CREATE TABLE IF NOT EXISTS "{TABLE}" (id UUID PRIMARY KEY, payload JSONB NOT NULL, '
                    f"created_at TIMESTAMPTZ NOT NULL)"
                )
            except Exception:  # a twin consumer created it at the same moment
                pass

        @app.after_shutdown
        async def close_db() -> None:
            await Tortoise.close_connections()

        async def handle(body: dict) -> dict:
            async with in_transaction() as connection:
                await Row.create(id=uuid.uuid4(), payload=body, using_db=connection)
            return {"ok": True, "data": {}}
    else:

        async def handle(body: dict) -> dict:
            return {"ok": True, "data": {}}

    broker.subscriber(_queue(args.durable, args.insert), _exchange(), channel=Channel(prefetch_count=args.prefetch))(
        handle
    )
    uvloop.run(app.run())


# --- front --------------------------------------------------------------------------------


def run_front(args: argparse.Namespace) -> None:
    import orjson
    from faststream import AckPolicy
    from faststream.rabbit import Channel, RabbitBroker, RabbitMessage, RabbitQueue
    from sanic import HTTPResponse, Request, Sanic

    app = Sanic("bench_rpc_front")
    app.config.AUTO_EXTEND = False
    app.config.KEEP_ALIVE_TIMEOUT = 75
    queue = _queue(args.durable, args.insert)
    exchange = _exchange()

    @app.before_server_start
    async def connect(app: Sanic) -> None:
        channel = Channel(on_return_raises=True) if args.durable else None
        broker = RabbitBroker(
            args.amqp_url, log_level=logging.DEBUG, **({"default_channel": channel} if channel else {})
        )
        reply_queue = f"bench.rpc.replies.{uuid.uuid4().hex}"
        pending: dict[str, asyncio.Future] = {}

        async def on_reply(message: RabbitMessage) -> None:
            future = pending.get(message.correlation_id)
            if future is not None and not future.done():
                future.set_result(message.body)

        broker.subscriber(
            RabbitQueue(reply_queue, exclusive=True, auto_delete=True, durable=False), ack_policy=AckPolicy.ACK_FIRST
        )(on_reply)
        await broker.start()
        await broker.declare_exchange(exchange)
        declared = await broker.declare_queue(queue)
        await declared.bind(exchange.name, routing_key=queue.routing())
        app.ctx.broker, app.ctx.reply_queue, app.ctx.pending = broker, reply_queue, pending

    @app.after_server_stop
    async def disconnect(app: Sanic) -> None:
        await app.ctx.broker.stop()

    extra = {"persist": True, "mandatory": True, "expiration": timedelta(seconds=10)} if args.durable else {}

    @app.get("/rpc")
    async def rpc(request: Request) -> HTTPResponse:
        correlation_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        request.app.ctx.pending[correlation_id] = future
        try:
            await request.app.ctx.broker.publish(
                orjson.dumps({"actor": {"type": "service", "id": "bench"}, "data": {"n": 1}}),
                exchange=exchange,
                routing_key=queue.routing(),
                reply_to=request.app.ctx.reply_queue,
                correlation_id=correlation_id,
                message_id=uuid.uuid4().hex,
                content_type="application/json",
                **extra,
            )
            body = await asyncio.wait_for(future, 10)
        except TimeoutError:
            return HTTPResponse(b'{"error":"timeout"}', status=504, content_type="application/json")
        finally:
            request.app.ctx.pending.pop(correlation_id, None)
        return HTTPResponse(body, content_type="application/json")

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return HTTPResponse(b'{"status":"ok"}', content_type="application/json")

    app.run(host="127.0.0.1", port=args.port, single_process=True, access_log=False, motd=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["front", "consumer"])
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/usersvc-bench")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/usersvc_bench")
    parser.add_argument("--insert", action="store_true", help="one INSERT in a transaction per command")
    parser.add_argument("--durable", action="store_true", help="quorum queue, persistent mandatory messages")
    parser.add_argument("--prefetch", type=int, default=16)
    parser.add_argument("--port", type=int, default=18182)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    (run_front if args.role == "front" else run_consumer)(args)


if __name__ == "__main__":
    main()
