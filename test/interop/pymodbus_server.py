"""An independent Modbus TCP server (pymodbus, from Debian) for interoperability tests.

Usage: python3 pymodbus_server.py PORT SPEC_JSON
SPEC_JSON lists {"address", "type", "order", "value"} for holding registers; the values are
encoded by pymodbus's own BinaryPayloadBuilder (byte order and word order), not by Plexus.
"""
import json
import logging
import sys

from pymodbus.constants import Endian
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.payload import BinaryPayloadBuilder
from pymodbus.server import StartTcpServer

logging.disable(logging.CRITICAL)

# ABCD: big-endian bytes, big-endian words; CDAB: words swapped; BADC: bytes swapped; DCBA: both.
ORDERS = {
    "ABCD": (Endian.Big, Endian.Big),
    "CDAB": (Endian.Big, Endian.Little),
    "BADC": (Endian.Little, Endian.Big),
    "DCBA": (Endian.Little, Endian.Little),
}


def registers(item):
    byteorder, wordorder = ORDERS[item["order"]]
    builder = BinaryPayloadBuilder(byteorder=byteorder, wordorder=wordorder)
    add = {
        "int16": builder.add_16bit_int,
        "uint16": builder.add_16bit_uint,
        "int32": builder.add_32bit_int,
        "uint32": builder.add_32bit_uint,
        "float32": builder.add_32bit_float,
        "int64": builder.add_64bit_int,
        "uint64": builder.add_64bit_uint,
        "float64": builder.add_64bit_float,
    }[item["type"]]
    value = float(item["value"]) if item["type"].startswith("float") else int(item["value"])
    add(value)
    return builder.to_registers()


def main():
    port = int(sys.argv[1])
    spec = json.loads(sys.argv[2])
    holding = [0] * 1000
    for item in spec:
        for i, word in enumerate(registers(item)):
            holding[item["address"] + i] = word
    coils = [False] * 100
    coils[3] = True
    store = ModbusSlaveContext(
        hr=ModbusSequentialDataBlock(0, holding),
        co=ModbusSequentialDataBlock(0, coils),
        di=ModbusSequentialDataBlock(0, [False] * 100),
        ir=ModbusSequentialDataBlock(0, [0] * 100),
        zero_mode=True,
    )
    StartTcpServer(context=ModbusServerContext(slaves=store, single=True), address=("127.0.0.1", port))


if __name__ == "__main__":
    main()
