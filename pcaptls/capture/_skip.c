/* pcaptls.capture._skip: the optional accelerator of the capture reader's fast path.
 *
 * Owns: stepping over classic pcap records whose Ethernet/IPv4 or Ethernet/IPv6 TCP segment belongs to a
 * flow in the reader's `ignore` dict (connections whose handshake is already read), counting them into
 * the dict's entries exactly as the pure-Python loop in files.py does. The first complete record that is
 * anything else (another flow, SYN/FIN/RST, not Ethernet/IP/TCP) is read and handed over; a record cut
 * short or of an impossible length is left where it is, for the Python loop to judge with its own code.
 * Never reads past `end`; never raises on capture bytes.
 *
 * PcapSkipper(ignore, header_len, big_endian, ts_mult, max_caplen).skip(buf, pos, end, stop)
 *     -> (pos, skipped, ts_ns, frame, orig_len): records from `pos` are skipped while they start before
 *     `stop`; then either the next record, read (frame bytes; `pos` after it), or None, None, None (`pos` at
 *     the record the caller must look at itself, or at `stop`/`end`).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <stdint.h>

#define PREFETCH_AHEAD 2048    /* bytes of the capture requested ahead of the record being read */

#define SKIPPER_HEAD                                                                                    \
    PyObject_HEAD                                                                                       \
    PyObject *ignore;       /* dict: raw src+dst+sport+dport -> [packets, last_ts_ns, payload_bytes] */ \
    int big;                /* byte order of the record or block headers */                             \
    Py_ssize_t maxcap;

typedef struct {
    SKIPPER_HEAD
} Skipper;                  /* what both skippers start with (one dealloc for both) */

typedef struct {
    SKIPPER_HEAD
    Py_ssize_t hlen;        /* 16, or 24 for the Kuznetzov modified format */
    long long mult;         /* 1 (ns files) or 1000 (us files) */
} PcapSkipper;

static inline uint32_t rd32(const unsigned char *p, int big) {
    return big ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
               : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

static inline long rd16be(const unsigned char *p) { return (long)p[0] << 8 | p[1]; }

/* entry[i] += delta, for a list entry of Python ints; -1 on error. */
static int add_to(PyObject *entry, Py_ssize_t i, long long delta) {
    PyObject *old = PyList_GET_ITEM(entry, i);
    long long value = PyLong_AsLongLong(old);
    if (value == -1 && PyErr_Occurred()) return -1;
    PyObject *now = PyLong_FromLongLong(value + delta);
    if (now == NULL) return -1;
    PyList_SET_ITEM(entry, i, now);
    Py_DECREF(old);
    return 0;
}

static int set_to(PyObject *entry, Py_ssize_t i, long long value) {
    PyObject *now = PyLong_FromLongLong(value);
    if (now == NULL) return -1;
    PyObject *old = PyList_GET_ITEM(entry, i);
    PyList_SET_ITEM(entry, i, now);
    Py_DECREF(old);
    return 0;
}

/* Count a packet of `key` into its ignore entry: 1 if counted, 0 if the flow is not ignored, -1 on error. */
static int count_packet(PyObject *ignore, const unsigned char *key, Py_ssize_t klen, long long ts, long long payload) {
    PyObject *k = PyBytes_FromStringAndSize((const char *)key, klen);
    if (k == NULL) return -1;
    PyObject *entry = PyDict_GetItemWithError(ignore, k);   /* borrowed */
    Py_DECREF(k);
    if (entry == NULL) return PyErr_Occurred() ? -1 : 0;
    if (!PyList_CheckExact(entry) || PyList_GET_SIZE(entry) < 3) {
        PyErr_SetString(PyExc_TypeError, "ignore entries must be [packets, last_ts_ns, payload_bytes]");
        return -1;
    }
    if (add_to(entry, 0, 1) < 0 || set_to(entry, 1, ts) < 0 || add_to(entry, 2, payload) < 0) return -1;
    return 1;
}

/* The flow key and payload length of an Ethernet frame carrying a plain TCP segment (no SYN/FIN/RST);
 * 0 if the frame is anything else. The same tests as CaptureReader._counted in files.py. */
static int tcp_key(const unsigned char *f, Py_ssize_t caplen, const unsigned char **key, Py_ssize_t *klen,
                   long long *payload) {
    long ethertype = rd16be(f + 12);
    if (ethertype == 0x0800) {
        if (f[14] != 0x45 || f[23] != 6 || (f[47] & 7) || (rd16be(f + 20) & 0x3FFF)) return 0;
        *key = f + 26;
        *klen = 12;
        *payload = rd16be(f + 16) - 20 - ((f[46] >> 4) << 2);
        return 1;
    }
    if (ethertype == 0x86DD && caplen >= 74) {
        if (f[20] != 6 || (f[67] & 7)) return 0;
        *key = f + 22;
        *klen = 36;
        *payload = rd16be(f + 18) - ((f[66] >> 4) << 2);
        return 1;
    }
    return 0;
}

static PyObject *skip(PcapSkipper *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "skip(buf, pos, end, stop)");
        return NULL;
    }
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]), end = PyLong_AsSsize_t(args[2]), stop = PyLong_AsSsize_t(args[3]);
    if (PyErr_Occurred()) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *buf = (const unsigned char *)view.buf;
    if (end > view.len) end = view.len;
    if (pos < 0) pos = end;
    Py_ssize_t skipped = 0;
    int failed = 0;
    /* The walk is a chain of dependent loads (each record's length gives the next record's place), so
     * every record header would wait on memory; the lines ahead are requested early instead. */
    Py_ssize_t fetched = pos;
    PyObject *frame = NULL;
    long long ts = 0;
    uint32_t orig_len = 0;
    while (pos < stop && pos + self->hlen <= end) {
        const unsigned char *h = buf + pos;
        Py_ssize_t ahead = pos + PREFETCH_AHEAD < end ? pos + PREFETCH_AHEAD : end;
        for (; fetched < ahead; fetched += 64) __builtin_prefetch(buf + fetched);
        uint32_t caplen = rd32(h + 8, self->big);
        if ((Py_ssize_t)caplen > self->maxcap) break;
        Py_ssize_t nxt = pos + self->hlen + (Py_ssize_t)caplen;
        if (nxt > end) break;
        ts = (long long)rd32(h, self->big) * 1000000000LL + (long long)rd32(h + 4, self->big) * self->mult;
        const unsigned char *key;
        Py_ssize_t klen;
        long long payload;
        int counted = 0;
        if (caplen >= 54 && tcp_key(h + self->hlen, caplen, &key, &klen, &payload))
            counted = count_packet(self->ignore, key, klen, ts, payload);
        if (counted < 0) { failed = 1; break; }
        if (!counted) {                 /* a record Python must see: hand it over, read */
            orig_len = rd32(h + 12, self->big);
            frame = PyBytes_FromStringAndSize((const char *)h + self->hlen, caplen);
            if (frame == NULL) failed = 1;
            else pos = nxt;
            break;
        }
        skipped++;
        pos = nxt;
    }
    PyBuffer_Release(&view);
    if (failed) {
        Py_XDECREF(frame);
        return NULL;
    }
    if (frame == NULL) return Py_BuildValue("(nnOOO)", pos, skipped, Py_None, Py_None, Py_None);
    return Py_BuildValue("(nnLNk)", pos, skipped, ts, frame, (unsigned long)orig_len);
}

static int init(PcapSkipper *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"ignore", "header_len", "big_endian", "ts_mult", "max_caplen", NULL};
    PyObject *ignore;
    int big;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!npLn", kwlist, &PyDict_Type, &ignore, &self->hlen, &big,
                                     &self->mult, &self->maxcap))
        return -1;
    if (self->hlen < 16) {
        PyErr_SetString(PyExc_ValueError, "header_len must be at least 16");
        return -1;
    }
    Py_INCREF(ignore);
    Py_XSETREF(self->ignore, ignore);
    self->big = big;
    return 0;
}

static void dealloc(Skipper *self) {
    Py_XDECREF(self->ignore);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef skipper_methods[] = {
    {"skip", (PyCFunction)(void (*)(void))skip, METH_FASTCALL,
     "skip(buf, pos, end, stop) -> (pos, skipped, ts_ns, frame, orig_len): step over records of ignored flows "
     "starting before stop, then hand over the next record read (or None, None, None)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject PcapSkipperType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pcaptls.capture._skip.PcapSkipper",
    .tp_basicsize = sizeof(PcapSkipper),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Steps over classic pcap records of flows in an ignore dict (see files.py).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)init,
    .tp_dealloc = (destructor)dealloc,
    .tp_methods = skipper_methods,
};

/* ---- pcapng: Enhanced Packet Blocks ------------------------------------------------------------------ */

#define MAX_IFACES 64

typedef struct {
    SKIPPER_HEAD
    Py_ssize_t maxblock;
} EpbSkipper;

typedef struct {
    int ethernet;           /* linktype 1, and a time base that fits the arithmetic below */
    long long mul, div, toff;
} Iface;

/* The interfaces as files.py keeps them: [(linktype, mul, div, offset_ns, snaplen), ...]. An interface whose
 * numbers do not fit 64 bits is marked not skippable (Python does its exact big-integer arithmetic). */
static int read_ifaces(PyObject *ifaces, Iface *out, Py_ssize_t *n) {
    if (!PyList_Check(ifaces)) {
        PyErr_SetString(PyExc_TypeError, "ifaces must be a list");
        return -1;
    }
    *n = PyList_GET_SIZE(ifaces) < MAX_IFACES ? PyList_GET_SIZE(ifaces) : MAX_IFACES;
    for (Py_ssize_t i = 0; i < *n; i++) {
        PyObject *t = PyList_GET_ITEM(ifaces, i);
        out[i].ethernet = 0;
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) < 4) continue;
        int overflow = 0;
        long lt = PyLong_AsLongAndOverflow(PyTuple_GET_ITEM(t, 0), &overflow);
        long long mul = PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(t, 1), &overflow);
        long long div = overflow ? 0 : PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(t, 2), &overflow);
        long long toff = overflow ? 0 : PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(t, 3), &overflow);
        if (PyErr_Occurred()) return -1;
        if (overflow || lt != 1 || mul <= 0 || mul > (1LL << 32) || div <= 0) continue;
        out[i].ethernet = 1;
        out[i].mul = mul;
        out[i].div = div;
        out[i].toff = toff;
    }
    return 0;
}

static PyObject *epb_skip(EpbSkipper *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "skip(buf, pos, end, stop, ifaces)");
        return NULL;
    }
    Py_ssize_t pos = PyLong_AsSsize_t(args[1]), end = PyLong_AsSsize_t(args[2]), stop = PyLong_AsSsize_t(args[3]);
    if (PyErr_Occurred()) return NULL;
    Iface ifaces[MAX_IFACES];
    Py_ssize_t nifaces;
    if (read_ifaces(args[4], ifaces, &nifaces) < 0) return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) return NULL;
    const unsigned char *buf = (const unsigned char *)view.buf;
    if (end > view.len) end = view.len;
    if (pos < 0) pos = end;
    Py_ssize_t skipped = 0, fetched = pos;
    long long last_ts = 0;
    int failed = 0;
    while (pos < stop && pos + 28 <= end) {
        const unsigned char *b = buf + pos;
        Py_ssize_t ahead = pos + PREFETCH_AHEAD < end ? pos + PREFETCH_AHEAD : end;
        for (; fetched < ahead; fetched += 64) __builtin_prefetch(buf + fetched);
        /* The tests of the Python fast path for a complete, well-formed EPB (files.py, _iter_pcapng). */
        uint32_t btype = rd32(b, self->big), blen = rd32(b + 4, self->big), iface = rd32(b + 8, self->big);
        uint32_t caplen = rd32(b + 20, self->big);
        Py_ssize_t nxt = pos + (Py_ssize_t)blen;
        if (btype != 6 || (Py_ssize_t)caplen > self->maxcap || 32 + (Py_ssize_t)caplen > (Py_ssize_t)blen
            || (Py_ssize_t)blen > self->maxblock || nxt > end || (blen & 3) || iface >= (uint32_t)nifaces
            || rd32(buf + nxt - 4, self->big) != blen || !ifaces[iface].ethernet || caplen < 54)
            break;
        const unsigned char *key;
        Py_ssize_t klen;
        long long payload;
        if (!tcp_key(b + 28, caplen, &key, &klen, &payload)) break;
        Iface *f = &ifaces[iface];
        unsigned __int128 raw = (unsigned __int128)((unsigned long long)rd32(b + 12, self->big) << 32
                                                    | rd32(b + 16, self->big));
        __int128 ts = (__int128)(raw * (unsigned __int128)f->mul / (unsigned __int128)f->div) + f->toff;
        if (ts > (__int128)LLONG_MAX || ts < (__int128)LLONG_MIN) break;
        int counted = count_packet(self->ignore, key, klen, (long long)ts, payload);
        if (counted < 0) failed = 1;
        if (counted <= 0) break;
        last_ts = (long long)ts;
        skipped++;
        pos = nxt;
    }
    PyBuffer_Release(&view);
    if (failed) return NULL;
    if (!skipped) return Py_BuildValue("(nnO)", pos, skipped, Py_None);
    return Py_BuildValue("(nnL)", pos, skipped, last_ts);
}

static int epb_init(EpbSkipper *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"ignore", "big_endian", "max_caplen", "max_block", NULL};
    PyObject *ignore;
    int big;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!pnn", kwlist, &PyDict_Type, &ignore, &big, &self->maxcap,
                                     &self->maxblock))
        return -1;
    Py_INCREF(ignore);
    Py_XSETREF(self->ignore, ignore);
    self->big = big;
    return 0;
}

static PyMethodDef epb_methods[] = {
    {"skip", (PyCFunction)(void (*)(void))epb_skip, METH_FASTCALL,
     "skip(buf, pos, end, stop, ifaces) -> (pos, skipped, last_ts_ns or None): step over EPBs of ignored flows."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject EpbSkipperType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pcaptls.capture._skip.EpbSkipper",
    .tp_basicsize = sizeof(EpbSkipper),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Steps over pcapng Enhanced Packet Blocks of flows in an ignore dict (see files.py).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)epb_init,
    .tp_dealloc = (destructor)dealloc,
    .tp_methods = epb_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pcaptls.capture._skip",
    .m_doc = "Optional C accelerator of the capture reader's fast path (pure-Python fallback in files.py).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__skip(void) {
    if (PyType_Ready(&PcapSkipperType) < 0 || PyType_Ready(&EpbSkipperType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddObjectRef(m, "PcapSkipper", (PyObject *)&PcapSkipperType) < 0
        || PyModule_AddObjectRef(m, "EpbSkipper", (PyObject *)&EpbSkipperType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
