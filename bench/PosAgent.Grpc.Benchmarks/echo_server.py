"""posagent.bench.EchoService (protos/bench/echo.proto) served by Debian's python grpcio, for the stack comparison.

  /usr/bin/python3 echo_server.py --stubs DIR --socket PATH [--workers 16]
Serves on 127.0.0.1 (a free port) and on the Unix socket PATH, prints "PORT <n>" once serving,
then serves until its standard input closes.
"""
import argparse
import sys
from concurrent import futures

import grpc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stubs", required=True)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)
    from bench import echo_pb2, echo_pb2_grpc  # noqa: E402

    class EchoService(echo_pb2_grpc.EchoServiceServicer):
        def Echo(self, request, context):
            return echo_pb2.EchoReply(payload=request.payload)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers))
    echo_pb2_grpc.add_EchoServiceServicer_to_server(EchoService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.add_insecure_port("unix:" + args.socket)
    server.start()
    print("PORT %d" % port, flush=True)
    sys.stdin.read()
    server.stop(grace=0).wait(5)


if __name__ == "__main__":
    main()
