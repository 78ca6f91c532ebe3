# C layout of the engine's UDP side when compiled (scripts/build_native.py; see engine.pxd).

cdef class Datagrams:
    cdef public object sink, warnings, limits, tftp_pending
