/* Optional speedup of pcaptls/enrich/dnsmsg.py: the common DNS response read in C.
 *
 * answers(buf) -> (id, flags, qname, qtype, qclass, ((name, rtype, rclass, ttl, value), ...), ext_rcode)
 *              or None
 *
 * None whenever the message is anything but a plain, well-formed response with one question: a query, a
 * name whose text needs escaping, an AAAA whose text has a dotted tail, any length that does not add up,
 * trailing bytes. The pure-Python parser (parse_dns_message) then reads it and explains what is wrong; it
 * is the twin of this code, and tests/enrich/test_dnsfast.py checks that every message this accepts gives
 * what Python gives. The rules are Python's: compression pointers only backwards from the label run that
 * holds them, at most 128 per name, at most 255 octets per name, a name in RDATA ends inside it, the
 * authority and additional names are walked (not decoded), the last OPT record's TTL gives the extended
 * RCODE bits. Every read is checked against the buffer's length first.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <arpa/inet.h>
#include <string.h>

#define MAX_POINTERS 128
#define MAX_NAME_OCTETS 255
#define NAME_TEXT 256             /* a name of <= 255 octets has <= 254 characters of text */

static unsigned char plain[256];  /* the byte in a name's text (lowercased), or 0: Python escapes it */

typedef struct {
    const unsigned char *buf;
    Py_ssize_t len;
} Msg;

/* The name at pos that must end by limit before a first pointer. With text != NULL its text (lowercase,
 * dots, "." for the root) goes to text/textlen. Returns the position after it, or -1 (Python decides). */
static Py_ssize_t read_name(const Msg *m, Py_ssize_t pos, Py_ssize_t limit, char *text, Py_ssize_t *textlen)
{
    Py_ssize_t after = -1, run_start = pos, end = limit, n = 0;
    int jumps = 0, octets = 0;
    if (limit > m->len)
        return -1;
    for (;;) {
        if (pos < 0 || pos >= end)
            return -1;
        unsigned int length = m->buf[pos];
        if (length >= 0xC0) {
            if (pos + 2 > end)
                return -1;
            Py_ssize_t target = (Py_ssize_t)(((length & 0x3F) << 8) | m->buf[pos + 1]);
            if (target >= run_start || ++jumps > MAX_POINTERS)
                return -1;
            if (after < 0)
                after = pos + 2;
            pos = run_start = target;
            end = m->len;
            continue;
        }
        if (length >= 0x40)
            return -1;
        octets += (int)length + 1;
        if (octets + (length > 0) > MAX_NAME_OCTETS)
            return -1;
        if (length == 0) {
            pos += 1;
            break;
        }
        if (pos + 1 + (Py_ssize_t)length > end)
            return -1;
        if (text != NULL) {
            if (n + 1 + (Py_ssize_t)length >= NAME_TEXT)
                return -1;
            if (n)
                text[n++] = '.';
            for (unsigned int i = 0; i < length; i++) {
                unsigned char c = plain[m->buf[pos + 1 + i]];
                if (!c)
                    return -1;
                text[n++] = (char)c;
            }
        }
        pos += 1 + (Py_ssize_t)length;
    }
    if (text != NULL) {
        if (n == 0)
            text[n++] = '.';
        *textlen = n;
    }
    return after < 0 ? pos : after;
}

static unsigned int u16(const Msg *m, Py_ssize_t pos)
{
    return ((unsigned int)m->buf[pos] << 8) | m->buf[pos + 1];
}

static unsigned long u32(const Msg *m, Py_ssize_t pos)
{
    return ((unsigned long)m->buf[pos] << 24) | ((unsigned long)m->buf[pos + 1] << 16) |
           ((unsigned long)m->buf[pos + 2] << 8) | m->buf[pos + 3];
}

/* One answer record at *pos: a new (name, rtype, rclass, ttl, value) tuple, *pos moved past it; NULL with
 * no exception set when Python must read the message, NULL with an exception on a memory error. */
static PyObject *answer(const Msg *m, Py_ssize_t *pos)
{
    char name[NAME_TEXT], value[NAME_TEXT];
    Py_ssize_t name_len = 0, value_len = 0, p = read_name(m, *pos, m->len, name, &name_len);
    if (p < 0 || p + 10 > m->len)
        return NULL;
    unsigned int rtype = u16(m, p), rclass = u16(m, p + 2), rdlength = u16(m, p + 8);
    unsigned long ttl = u32(m, p + 4);
    Py_ssize_t rd = p + 10, rd_end = rd + (Py_ssize_t)rdlength;
    if (rd_end > m->len)
        return NULL;
    PyObject *val = NULL;
    if (rtype == 1 && rclass == 1) {                                  /* A */
        if (rdlength != 4)
            return NULL;
        val = PyUnicode_FromFormat("%u.%u.%u.%u", m->buf[rd], m->buf[rd + 1], m->buf[rd + 2], m->buf[rd + 3]);
    } else if (rtype == 28 && rclass == 1) {                          /* AAAA */
        char text[INET6_ADDRSTRLEN];
        if (rdlength != 16 || inet_ntop(AF_INET6, m->buf + rd, text, sizeof text) == NULL || strchr(text, '.'))
            return NULL;
        val = PyUnicode_FromString(text);
    } else if (rtype == 5 || rtype == 12 || rtype == 39) {            /* CNAME, PTR, DNAME: one name */
        if (read_name(m, rd, rd_end, value, &value_len) != rd_end)
            return NULL;
        val = PyUnicode_FromStringAndSize(value, value_len);
    } else {
        val = Py_None;
        Py_INCREF(val);
    }
    if (val == NULL)
        return NULL;
    *pos = rd_end;
    return Py_BuildValue("(s#IIkN)", name, name_len, rtype, rclass, ttl, val);
}

static PyObject *answers(PyObject *self, PyObject *arg)
{
    (void)self;
    Py_buffer view;
    PyObject *result = NULL, *records = NULL;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Msg m = {(const unsigned char *)view.buf, view.len};
    char qname[NAME_TEXT];
    Py_ssize_t qname_len = 0, pos;
    if (m.len < 12)
        goto python;
    unsigned int id = u16(&m, 0), flags = u16(&m, 2), qd = u16(&m, 4), an = u16(&m, 6), ns = u16(&m, 8),
                 ar = u16(&m, 10);
    if (!(flags & 0x8000) || qd != 1)
        goto python;
    pos = read_name(&m, 12, m.len, qname, &qname_len);
    if (pos < 0 || pos + 4 > m.len)
        goto python;
    unsigned int qtype = u16(&m, pos), qclass = u16(&m, pos + 2);
    pos += 4;
    if ((Py_ssize_t)an > (m.len - pos) / 11)                          /* a record takes at least 11 bytes */
        goto python;
    records = PyTuple_New(an);
    if (records == NULL)
        goto done;
    for (unsigned int i = 0; i < an; i++) {
        PyObject *rr = answer(&m, &pos);
        if (rr == NULL) {
            if (PyErr_Occurred())
                goto done;
            goto python;
        }
        PyTuple_SET_ITEM(records, i, rr);
    }
    unsigned long ext_rcode = 0;
    for (unsigned int i = 0; i < ns + ar; i++) {                      /* walked and checked, not decoded */
        Py_ssize_t p = read_name(&m, pos, m.len, NULL, NULL);
        if (p < 0 || p + 10 > m.len)
            goto python;
        Py_ssize_t rd_end = p + 10 + (Py_ssize_t)u16(&m, p + 8);
        if (rd_end > m.len)
            goto python;
        if (i >= ns && u16(&m, p) == 41)                              /* OPT (RFC 6891 6.1.3) */
            ext_rcode = u32(&m, p + 4) >> 24;
        pos = rd_end;
    }
    if (pos != m.len)
        goto python;
    result = Py_BuildValue("(IIs#IIOk)", id, flags, qname, qname_len, qtype, qclass, records, ext_rcode);
    goto done;
python:
    result = Py_None;
    Py_INCREF(result);
done:
    Py_XDECREF(records);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"answers", answers, METH_O, "A plain DNS response's header, question and answers, or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_dnsfast", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__dnsfast(void)
{
    for (int b = 0x21; b < 0x7F; b++)
        if (!strchr(".\\\"();@$", b))
            plain[b] = (unsigned char)(b >= 'A' && b <= 'Z' ? b | 0x20 : b);
    return PyModule_Create(&module);
}
