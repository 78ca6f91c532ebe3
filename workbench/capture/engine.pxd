# C types for engine.py when it is compiled (scripts/build_native.py): in the pass over the
# records (`walk`) offsets, lengths and header fields are C integers and the flow a C struct
# (flow.pxd); the engine's own fields are a C struct too. As Python, engine.py is unchanged by
# this file.

cimport cython
from workbench.capture.datagrams cimport Datagrams
from workbench.capture.flow cimport Flow


cdef class Engine(Datagrams):
    cdef public object max_streams, max_stream_bytes, tcp_flows, udp_flows, other_flows, live
    cdef public object oriented, synacks, streams, first_ts, last_ts, macs
    cdef public Py_ssize_t flows, sweep_at, stream_bytes, packets, bytes

    @cython.locals(size=Py_ssize_t, sport=Py_ssize_t, dport=Py_ssize_t, server_first=bint, flow=Flow)
    cpdef Flow _new_flow(self, int proto, bytes key, Py_ssize_t flags, Py_ssize_t number, double ts, mac)
    cpdef _number(self, Flow flow, double ts, Py_ssize_t number)
    cpdef bint _reopens(self, Flow flow, Py_ssize_t flags, double ts)
    cpdef _forget(self, Flow flow)
    @cython.locals(flow=Flow, live=list, ended=list, linger=double)
    cpdef _write_out(self, double now, Py_ssize_t number)



@cython.locals(
    buf=bytes,
    tcp_flows=dict,
    udp_flows=dict,
    key=bytes,
    flow=Flow,
    pos=Py_ssize_t,
    link=Py_ssize_t,
    blen=Py_ssize_t,
    hsize=Py_ssize_t,
    o=Py_ssize_t,
    fend=Py_ssize_t,
    sec=double,
    frac=Py_ssize_t,
    caplen=Py_ssize_t,
    origlen=Py_ssize_t,
    packets=Py_ssize_t,
    number=Py_ssize_t,
    total=Py_ssize_t,
    unit=double,
    ts=double,
    proto=Py_ssize_t,
    etype=Py_ssize_t,
    vihl=Py_ssize_t,
    tot=Py_ssize_t,
    frag=Py_ssize_t,
    seq=Py_ssize_t,
    doff=Py_ssize_t,
    flags=Py_ssize_t,
    end=Py_ssize_t,
    thl=Py_ssize_t,
    uend=Py_ssize_t,
    ulen=Py_ssize_t,
    l4=Py_ssize_t,
    macoff=Py_ssize_t,
    off=Py_ssize_t,
    ihl=Py_ssize_t,
    a0=Py_ssize_t,
    a1=Py_ssize_t,
    plen=Py_ssize_t,
    start=Py_ssize_t,
    ether=bint,
    cut=bint,
    c2s=bint,
)
cpdef walk(Engine engine, records)
