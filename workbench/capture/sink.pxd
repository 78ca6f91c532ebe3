# C types for sink.py when it is compiled (scripts/build_native.py): a run of flows becomes columns
# by C stores into typed buffers, each flow read as a C struct (flow.pxd). As Python, sink.py is
# unchanged by this file.

cimport cython
from workbench.capture.flow cimport Flow


@cython.locals(
    flow=Flow,
    n=Py_ssize_t,
    i=Py_ssize_t,
    size=Py_ssize_t,
    key=bytes,
    ids="long long[::1]",
    first_packets="long long[::1]",
    served="long long[::1]",
    pc="long long[::1]",
    ps="long long[::1]",
    bc="long long[::1]",
    bs="long long[::1]",
    cports="unsigned short[::1]",
    sports="unsigned short[::1]",
    first_ts="double[::1]",
    last_ts="double[::1]",
    transports=list,
    clients=list,
    servers=list,
    apps=list,
    services=list,
    snis=list,
    encrypted=list,
    client_local=list,
    server_local=list,
    client_macs=list,
    server_macs=list,
)
cpdef dict flow_columns(list flows, dict addresses, dict macs)
