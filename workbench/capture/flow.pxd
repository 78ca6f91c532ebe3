# C types for flow.py when it is compiled (scripts/build_native.py): a Flow is a C struct, so the
# compiled engine counts packets and bytes without a Python object per addition. As Python,
# flow.py is unchanged by this file.

cdef class Flow:
    cdef public Py_ssize_t id, first_packet, pc, ps, bc, bs, served, tries, fins
    cdef public int proto, cport, sport
    cdef public double first_ts, last_ts
    cdef public bint inspect
    cdef public bytes ckey
    cdef public object app, sni, cmac, smac, stream, isn_c, isn_s
