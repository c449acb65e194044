#ifndef LXATTACH_COPENSSL_SHIM_H
#define LXATTACH_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

/* Function wrappers for OpenSSL macros that Swift cannot import. */

static inline int lxa_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long lxa_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
/* Read ahead: one recv(2) takes every TLS record that has arrived (up to the read buffer)
 * instead of a 5-byte header and then the body, two system calls per record. */
static inline void lxa_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes) {
    SSL_CTX_set_read_ahead(ctx, yes);
}
static inline long lxa_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
static inline int lxa_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
static inline int lxa_SSL_CTX_set_app_data(SSL_CTX *ctx, void *data) {
    return SSL_CTX_set_app_data(ctx, data);
}
static inline void *lxa_SSL_CTX_get_app_data(const SSL_CTX *ctx) {
    return SSL_CTX_get_app_data(ctx);
}
static inline int lxa_SSL_set_app_data(SSL *ssl, void *data) {
    return SSL_set_app_data(ssl, data);
}
static inline void *lxa_SSL_get_app_data(const SSL *ssl) {
    return SSL_get_app_data(ssl);
}
/* The SSL behind an X509_STORE_CTX during a handshake's certificate verification. */
static inline SSL *lxa_ssl_from_store_ctx(X509_STORE_CTX *store) {
    return (SSL *)X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
}
/* Client options: treat a TCP close without close_notify as EOF (LXD closes exec sockets
 * that way), no renegotiation, no compression. */
static inline uint64_t lxa_SSL_CTX_set_client_options(SSL_CTX *ctx) {
    return SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION |
                                    SSL_OP_NO_COMPRESSION);
}
static inline long lxa_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

/*
 * A socket BIO that sends with MSG_NOSIGNAL, so a TLS write to a vanished peer returns
 * EPIPE instead of raising SIGPIPE (OpenSSL's own socket BIO uses write(2)). Non-blocking:
 * EAGAIN sets the retry flags, which SSL_get_error maps to WANT_READ / WANT_WRITE. EINTR
 * is retried here, the only place the TLS path does so. The BIO does not own the fd.
 */
static inline int lxa_sockbio_write(BIO *b, const char *data, size_t len, size_t *written) {
    int fd = (int)(intptr_t)BIO_get_data(b);
    BIO_clear_retry_flags(b);
    for (;;) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n >= 0) { *written = (size_t)n; return 1; }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
        *written = 0;
        return 0;
    }
}

static inline int lxa_sockbio_read(BIO *b, char *data, size_t len, size_t *readbytes) {
    int fd = (int)(intptr_t)BIO_get_data(b);
    BIO_clear_retry_flags(b);
    for (;;) {
        ssize_t n = recv(fd, data, len, 0);
        if (n > 0) { *readbytes = (size_t)n; return 1; }
        if (n == 0) { *readbytes = 0; errno = 0; return 0; } /* EOF */
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(b);
        *readbytes = 0;
        return 0;
    }
}

static inline int lxa_sockbio_puts(BIO *b, const char *s) {
    size_t written = 0;
    return lxa_sockbio_write(b, s, strlen(s), &written) ? (int)written : -1;
}

static inline long lxa_sockbio_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)b; (void)num; (void)ptr;
    switch (cmd) {
    case BIO_CTRL_FLUSH: return 1;
    case BIO_CTRL_DUP: return 1;
    default: return 0;
    }
}

static inline int lxa_sockbio_create(BIO *b) {
    BIO_set_init(b, 1);
    return 1;
}

static inline int lxa_sockbio_destroy(BIO *b) {
    (void)b;
    return 1;
}

/* A new BIO_METHOD for the MSG_NOSIGNAL socket BIO; the caller frees it with BIO_meth_free. */
static inline BIO_METHOD *lxa_sockbio_method_new(void) {
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                 "lxattach socket");
    if (m == NULL) return NULL;
    BIO_meth_set_write_ex(m, lxa_sockbio_write);
    BIO_meth_set_read_ex(m, lxa_sockbio_read);
    BIO_meth_set_puts(m, lxa_sockbio_puts);
    BIO_meth_set_ctrl(m, lxa_sockbio_ctrl);
    BIO_meth_set_create(m, lxa_sockbio_create);
    BIO_meth_set_destroy(m, lxa_sockbio_destroy);
    return m;
}

/* A BIO of that method over `fd` (not owned). */
static inline BIO *lxa_sockbio_new(BIO_METHOD *method, int fd) {
    BIO *b = BIO_new(method);
    if (b != NULL) BIO_set_data(b, (void *)(intptr_t)fd);
    return b;
}

#endif
