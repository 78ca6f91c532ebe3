# C types for entropy.py when it is compiled (scripts/build_native.py): the byte count is a C
# loop and the entropy takes C's log2. As Python, entropy.py is unchanged by this file (numpy counts).

cimport cython
from libc cimport math


@cython.locals(n=Py_ssize_t, whole=Py_ssize_t, i=Py_ssize_t)
cpdef void tally(long long[::1] counts, const unsigned char[::1] data)


@cython.locals(total=cython.longlong, count=cython.longlong, value=Py_ssize_t, share=double, bits=double)
cpdef double tally_entropy(long long[::1] counts)
