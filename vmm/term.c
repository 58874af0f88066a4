// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "term.h"
#include "uart.h"

#define TERM_CHUNK UART_FIFO_LEN

struct term_input {
	int fd;
	bool raw;
	int stop_pipe[2];
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct uart *uart; /* under lock */
	bool stop;	   /* under lock */
	term_quit_fn *quit;
	void *quit_ctx;
	bool esc_pending;
};

/*
 * The terminal's mode before raw mode, for the signal handlers and the
 * atexit() hook: there is one controlling terminal per process.
 */
static struct termios saved_mode, raw_mode;
static volatile sig_atomic_t raw_fd = -1;

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE,
				    SIGABRT, SIGHUP, SIGINT, SIGTERM};
#define NR_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))
static struct sigaction old_fatal[NR_FATAL], old_tstp;

static void restore_mode(void)
{
	if (raw_fd >= 0)
		(void)tcsetattr(raw_fd, TCSANOW, &saved_mode);
}

static void on_fatal(int sig)
{
	restore_mode();
	raw_fd = -1;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_tstp(int sig)
{
	int fd = raw_fd;
	sigset_t s;

	(void)sig;
	restore_mode();
	signal(SIGTSTP, SIG_DFL);
	sigemptyset(&s);
	sigaddset(&s, SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(SIGTSTP);
	/* continued */
	signal(SIGTSTP, on_tstp);
	if (fd >= 0)
		(void)tcsetattr(fd, TCSANOW, &raw_mode);
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (unsigned int i = 0; i < NR_FATAL; i++)
		sigaction(fatal_signals[i], &sa, &old_fatal[i]);
	sa.sa_handler = on_tstp;
	sa.sa_flags = 0;
	sigaction(SIGTSTP, &sa, &old_tstp);
}

static void remove_handlers(void)
{
	for (unsigned int i = 0; i < NR_FATAL; i++)
		sigaction(fatal_signals[i], &old_fatal[i], NULL);
	sigaction(SIGTSTP, &old_tstp, NULL);
}

static bool atexit_done;

static int enter_raw(int fd)
{
	if (tcgetattr(fd, &saved_mode) < 0)
		return -errno;
	raw_mode = saved_mode;
	cfmakeraw(&raw_mode);
	/* keep the output processing: the host's own lines stay readable */
	raw_mode.c_oflag = saved_mode.c_oflag;
	if (!atexit_done) {
		atexit(restore_mode);
		atexit_done = true;
	}
	raw_fd = fd;
	install_handlers();
	if (tcsetattr(fd, TCSANOW, &raw_mode) < 0) {
		int e = errno;

		raw_fd = -1;
		remove_handlers();
		return -e;
	}
	return 0;
}

unsigned int term_escape_filter(unsigned char *buf, unsigned int n,
				bool *pending, bool *quit)
{
	unsigned char in[TERM_CHUNK + 1];
	unsigned int out = 0;

	if (n > TERM_CHUNK)
		n = TERM_CHUNK;
	memcpy(in, buf, n);
	for (unsigned int i = 0; i < n; i++) {
		unsigned char b = in[i];

		if (!*pending) {
			if (b == TERM_ESCAPE)
				*pending = true;
			else
				buf[out++] = b;
			continue;
		}
		*pending = false;
		if (b == TERM_ESCAPE_QUIT) {
			*quit = true;
			continue;
		}
		buf[out++] = TERM_ESCAPE;
		if (b != TERM_ESCAPE)
			buf[out++] = b;
	}
	return out;
}

/* Wait until the receiver has room or we are told to stop. */
static size_t wait_room(struct term_input *t)
{
	size_t room = 0;

	pthread_mutex_lock(&t->lock);
	while (!t->stop && !(t->uart && (room = uart_rx_room(t->uart)))) {
		pthread_cond_wait(&t->cond, &t->lock);
	}
	if (t->stop)
		room = 0;
	pthread_mutex_unlock(&t->lock);
	return room;
}

/* Read up to n bytes; 0 at the end of input or on stop. */
static size_t read_some(struct term_input *t, unsigned char *buf, size_t n)
{
	struct pollfd p[2] = {
		{.fd = t->fd, .events = POLLIN},
		{.fd = t->stop_pipe[0], .events = POLLIN},
	};

	for (;;) {
		ssize_t r;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (p[1].revents)
			return 0;
		if (p[0].revents & POLLNVAL)
			return 0;
		r = read(t->fd, buf, n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return r > 0 ? (size_t)r : 0;
	}
}

/* Deliver buf[0..n) to the guest as it makes room; false on stop. */
static bool deliver(struct term_input *t, const unsigned char *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		if (!wait_room(t))
			return false;
		pthread_mutex_lock(&t->lock);
		if (t->uart)
			off += uart_receive(t->uart, buf + off, n - off);
		pthread_mutex_unlock(&t->lock);
	}
	return true;
}

static void *input_main(void *arg)
{
	struct term_input *t = arg;
	unsigned char buf[TERM_CHUNK + 1];

	for (;;) {
		size_t want = TERM_CHUNK, n;
		bool quit = false;

		/* a pipe is read only as the guest takes it; keys at once */
		if (!t->raw && !(want = wait_room(t)))
			break;
		if (want > TERM_CHUNK)
			want = TERM_CHUNK;
		n = read_some(t, buf, want);
		if (!n)
			break;
		if (t->raw)
			n = term_escape_filter(buf, (unsigned int)n,
					       &t->esc_pending, &quit);
		if (quit && t->quit)
			t->quit(t->quit_ctx);
		if (n && !deliver(t, buf, n))
			break;
	}
	return NULL;
}

static void on_room(void *ctx)
{
	struct term_input *t = ctx;

	pthread_mutex_lock(&t->lock);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

int term_input_start(struct term_input **out, int fd, term_quit_fn *quit,
		     void *ctx, struct xsvm_err *err)
{
	struct term_input *t = calloc(1, sizeof(*t));
	sigset_t all, old;
	int ret;

	*out = NULL;
	if (!t)
		return xsvm_err_set(err, ENOMEM, "out of memory");
	t->fd = fd;
	t->quit = quit;
	t->quit_ctx = ctx;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	if (pipe2(t->stop_pipe, O_CLOEXEC) < 0) {
		ret = xsvm_err_set(err, errno, "pipe: %s", strerror(errno));
		free(t);
		return ret;
	}
	if (fcntl(fd, F_GETFD) >= 0 && isatty(fd) && raw_fd < 0)
		t->raw = !enter_raw(fd);
	/* signals are the run loop's: the thread starts with all blocked */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&t->thread, NULL, input_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		term_input_stop(t);
		return xsvm_err_set(err, ret, "input thread: %s",
				    strerror(ret));
	}
	t->started = true;
	*out = t;
	return 0;
}

void term_input_attach(struct term_input *t, struct uart *u)
{
	struct uart *old;

	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	old = t->uart;
	t->uart = u;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (old)
		uart_set_room(old, NULL, NULL);
	if (u)
		uart_set_room(u, on_room, t);
}

bool term_input_is_raw(const struct term_input *t)
{
	return t && t->raw;
}

void term_input_stop(struct term_input *t)
{
	if (!t)
		return;
	term_input_attach(t, NULL);
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	if (write(t->stop_pipe[1], "", 1) < 0) {
		/* the pipe is ours and empty: cannot fail */
	}
	if (t->started)
		pthread_join(t->thread, NULL);
	if (t->raw) {
		restore_mode();
		raw_fd = -1;
		remove_handlers();
	}
	close(t->stop_pipe[0]);
	close(t->stop_pipe[1]);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
