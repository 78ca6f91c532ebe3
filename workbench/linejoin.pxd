# C types for linejoin.py when it is compiled (scripts/build_native.py): the loops over lines,
# pieces and bytes become C loops. As Python, linejoin.py is unchanged by this file (and Arrow
# joins the pieces).

cimport cython


@cython.locals(r=Py_ssize_t, k=Py_ssize_t, at=Py_ssize_t, total=Py_ssize_t, pieces=Py_ssize_t)
cpdef Py_ssize_t _line_ends(
    const int[::1] offsets, const long long[::1] first, const long long[::1] step, long long[::1] ends, Py_ssize_t rows
)


@cython.locals(r=Py_ssize_t, k=Py_ssize_t, j=Py_ssize_t, at=Py_ssize_t, start=Py_ssize_t, position=Py_ssize_t)
cpdef _copy_lines(
    unsigned char[::1] out,
    const unsigned char[::1] text,
    const int[::1] offsets,
    const long long[::1] first,
    const long long[::1] step,
    Py_ssize_t rows,
)
