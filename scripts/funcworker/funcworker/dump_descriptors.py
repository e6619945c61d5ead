"""Writes the FunctionRpc schema as a serialized FileDescriptorSet to stdout,
taken at run time from the generated _pb2 modules the worker itself uses, so
that the Node.js host (@grpc/proto-loader) speaks exactly the same protocol.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from google.protobuf import descriptor_pb2  # noqa: E402

from funcworker.protos import FunctionRpc_pb2  # noqa: E402


def main():
    fds = descriptor_pb2.FileDescriptorSet()
    seen = set()

    def add(fd):
        if fd.name in seen:
            return
        seen.add(fd.name)
        for dep in fd.dependencies:
            add(dep)
        proto = descriptor_pb2.FileDescriptorProto()
        fd.CopyToProto(proto)
        fds.file.append(proto)

    add(FunctionRpc_pb2.DESCRIPTOR)
    sys.stdout.buffer.write(fds.SerializeToString())


if __name__ == "__main__":
    main()
