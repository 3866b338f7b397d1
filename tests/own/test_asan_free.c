// SPDX-License-Identifier: MIT
/*
 * ASan catches a write into a free frame: the allocator poisons frames
 * when they are freed (to a per-CPU list or the buddy lists) and
 * unpoisons them when it hands them out. Death tests: a child process
 * does the stray write and must die with ASan's report; its twin writes
 * into a frame it owns and must exit cleanly.
 */
#include "tests/harness.h"
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <labyrinth/mm.h>
#include "check/report.h"
#include "threads/threads.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

enum scenario { WRITE_FREED, WRITE_OWNED };

static void child(enum scenario s, unsigned int order)
{
	struct page *p, *keep;
	char *mem;

	keep = alloc_pages(GFP_KERNEL, order);	/* so p is not the only block */
	p = alloc_pages(GFP_KERNEL, order);
	if (!p || !keep)
		_exit(3);
	mem = page_address(p);
	if (s == WRITE_FREED)
		__free_pages(p, order);
	/* The stray write: a driver writing into a buffer it gave back. */
	((volatile char *)mem)[(PAGE_SIZE << order) / 2] = 0x5a;
	if (s == WRITE_OWNED)
		__free_pages(p, order);
	__free_pages(keep, order);
	_exit(0);
}

/* Run scenario in a child; return its exit status and its stderr. */
static int run_child(enum scenario s, unsigned int order, char *out, size_t len)
{
	int fds[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(fds[1], 2);
		close(fds[0]);
		child(s, order);
	}
	close(fds[1]);
	while (n + 1 < len && (r = read(fds[0], out + n, len - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = 0;
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int setup(void **state)
{
	struct mm_config cfg = { 0 };

	threads_init(1);
	report_set_stream(NULL);
	return mm_init(&cfg);
}

static int teardown(void **state)
{
	mm_exit();
	threads_exit();
	return 0;
}

static char buf[16384];

static void expect_asan_death(unsigned int order)
{
#ifdef HAVE_ASAN
	int st = run_child(WRITE_FREED, order, buf, sizeof(buf));

	assert_false(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!strstr(buf, "AddressSanitizer: use-after-poison"))
		fprintf(stderr, "child said:\n%s\n", buf);
	assert_non_null(strstr(buf, "AddressSanitizer: use-after-poison"));
	assert_non_null(strstr(buf, "WRITE of size 1"));
#else
	skip();
#endif
}

/* Order 0 goes to the per-CPU list. */
static void write_into_freed_pcp_frame_dies(void **state)
{
	expect_asan_death(0);
}

/* Order 4 (above PAGE_ALLOC_COSTLY_ORDER) goes to the buddy lists. */
static void write_into_freed_buddy_frame_dies(void **state)
{
	expect_asan_death(4);
}

static void write_into_owned_frame_lives(void **state)
{
	int st = run_child(WRITE_OWNED, 0, buf, sizeof(buf));

	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "child said:\n%s\n", buf);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = run_child(WRITE_OWNED, 4, buf, sizeof(buf));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(write_into_freed_pcp_frame_dies, setup, teardown),
		cmocka_unit_test_setup_teardown(write_into_freed_buddy_frame_dies, setup, teardown),
		cmocka_unit_test_setup_teardown(write_into_owned_frame_lives, setup, teardown),
	};

	return LAB_RUN_TESTS(tests);
}
