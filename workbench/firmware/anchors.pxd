# C types for anchors.py when it is compiled (scripts/build_native.py): Leftmost becomes an
# extension type whose search loop runs over C integers (its per-call cost, once per line a finder
# looks at, was most of the finders' line walks). As Python, anchors.py is unchanged by this file.

cimport cython


cdef class Leftmost:
    cdef public object text
    cdef public tuple words
    cdef public list nexts

    @cython.locals(best=Py_ssize_t, at=Py_ssize_t, i=Py_ssize_t, count=Py_ssize_t)
    cpdef Py_ssize_t search(self, Py_ssize_t start=*)
