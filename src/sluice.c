/*
 * sluice.c: main and the command line. The one file that sees every layer:
 * it registers the configuration blocks of the higher layers with core,
 * hands the master the worker entry function, and parses the options.
 */
#include "sl_core.h"
#include "sl_cycle.h"
#include "sl_process.h"
#include "sl_signal.h"
#include "sl_http.h"

#include <getopt.h>

#define SL_EXIT_OK      0
#define SL_EXIT_CONFIG  1
#define SL_EXIT_USAGE   2

/* The master's verdict line: a sequence number, ok|failed and the reason
 * (up to its SL_MASTER_ERR_LEN). */
#define SL_CLI_VERDICT_LEN  1300

typedef struct {
    const char  *conf;
    const char  *prefix;
    const char  *signal;
    unsigned     test:1;
    unsigned     dump:1;
    unsigned     version:1;
    unsigned     help:1;
} sl_cli_t;

static int sl_cli_parse(int argc, char **argv, sl_cli_t *cli);
static void sl_cli_usage(FILE *out);
static const char *sl_cli_conf_path(const sl_cli_t *cli, char *buf,
    size_t size);
static int sl_cli_test(const char *path, int dump);
static int sl_cli_signal(const char *path, const char *cmd);
static int sl_cli_daemonize(void);
static const char *sl_cli_self_path(void);
static char *const *sl_cli_copy_argv(int argc, char **argv);
static long sl_cli_read_verdict(const char *path, char *text, size_t size);
static int sl_cli_wait_verdict(const char *path, long before);
static const char *sl_cli_after(const char *text, const char *prefix);


int
main(int argc, char **argv)
{
    sl_cli_t          cli;
    sl_cycle_t       *cycle;
    sl_master_conf_t  mc;
    char              pathbuf[PATH_MAX], err[1200];
    const char       *path;
    int               rc;

    rc = sl_cli_parse(argc, argv, &cli);
    if (rc != SL_EXIT_OK) {
        return rc;
    }
    if (cli.help) {
        sl_cli_usage(stdout);
        return SL_EXIT_OK;
    }
    if (cli.version) {
        (void) printf("sluice version " PACKAGE_VERSION "\n");
        return SL_EXIT_OK;
    }

    (void) sl_log_init_stderr();
    if (sl_http_register() != SL_OK) {
        (void) fprintf(stderr, "sluice: cannot register configuration blocks\n");
        return SL_EXIT_CONFIG;
    }
    path = sl_cli_conf_path(&cli, pathbuf, sizeof(pathbuf));
    if (path == NULL) {
        return SL_EXIT_CONFIG;
    }
    if (cli.test || cli.dump) {
        return sl_cli_test(path, cli.dump);
    }
    if (cli.signal) {
        return sl_cli_signal(path, cli.signal);
    }

    cycle = sl_cycle_load(path, err, sizeof(err));
    if (cycle == NULL) {
        (void) fprintf(stderr, "sluice: %s\n", err);
        return SL_EXIT_CONFIG;
    }
    if (cycle->daemon && sl_cli_daemonize() != SL_OK) {
        return SL_EXIT_CONFIG;
    }
    /* The title overwrites argv, where path may live; an absolute copy
     * also keeps reloads right whatever the working directory becomes. */
    mc.conf_path = realpath(path, NULL);
    if (mc.conf_path == NULL) {
        (void) fprintf(stderr, "sluice: %s: %s\n", path, strerror(errno));
        sl_cycle_destroy(cycle);
        return SL_EXIT_CONFIG;
    }
    mc.exe = sl_cli_self_path();
    mc.argv = sl_cli_copy_argv(argc, argv);
    if (sl_listen_inherit(sl_log_default) > 0) {
        sl_log_error(SL_LOG_NOTICE, sl_log_default, 0,
                     "using inherited listen sockets");
    }
    sl_process_title_init(argc, argv);
    mc.worker_main = sl_http_worker_main;
    return sl_master_run(cycle, &mc);
}


static int
sl_cli_parse(int argc, char **argv, sl_cli_t *cli)
{
    int  c;

    memset(cli, 0, sizeof(*cli));
    opterr = 0;
    while ((c = getopt(argc, argv, ":c:p:tTs:Vh")) != -1) {
        switch (c) {
        case 'c': cli->conf = optarg; break;
        case 'p': cli->prefix = optarg; break;
        case 't': cli->test = 1; break;
        case 'T': cli->dump = 1; break;
        case 's': cli->signal = optarg; break;
        case 'V': cli->version = 1; break;
        case 'h': cli->help = 1; break;
        case ':':
            (void) fprintf(stderr, "sluice: option -%c needs a value\n",
                           optopt);
            sl_cli_usage(stderr);
            return SL_EXIT_USAGE;
        default:
            (void) fprintf(stderr, "sluice: unknown option -%c\n", optopt);
            sl_cli_usage(stderr);
            return SL_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        (void) fprintf(stderr, "sluice: unexpected argument \"%s\"\n",
                       argv[optind]);
        sl_cli_usage(stderr);
        return SL_EXIT_USAGE;
    }
    if (cli->signal && sl_signal_from_command(cli->signal) == 0) {
        (void) fprintf(stderr, "sluice: -s takes reload, quit, stop or reopen,"
                       " not \"%s\"\n", cli->signal);
        return SL_EXIT_USAGE;
    }
    return SL_EXIT_OK;
}


static void
sl_cli_usage(FILE *out)
{
    (void) fprintf(out,
        "usage: sluice [-c FILE] [-p PREFIX] [-t] [-T] "
        "[-s reload|quit|stop|reopen] [-V] [-h]\n"
        "  -c FILE    configuration file (default %s/sluice/sluice.conf)\n"
        "  -p PREFIX  look for conf/sluice.conf under PREFIX\n"
        "  -t         check the configuration and exit\n"
        "  -T         check it and print the effective configuration\n"
        "  -s SIGNAL  tell the running master: reload, quit, stop, reopen\n"
        "  -V         print the version\n"
        "  -h         print this help\n", SL_SYSCONFDIR);
}


/*
 * -c wins; a relative -c with -p resolves under PREFIX; with -p alone the
 * config is PREFIX/conf/sluice.conf; else the installed default.
 */
static const char *
sl_cli_conf_path(const sl_cli_t *cli, char *buf, size_t size)
{
    int  n;

    if (cli->conf && (cli->conf[0] == '/' || cli->prefix == NULL)) {
        return cli->conf;
    }
    if (cli->conf) {
        n = snprintf(buf, size, "%s/%s", cli->prefix, cli->conf);
    } else if (cli->prefix) {
        n = snprintf(buf, size, "%s/conf/sluice.conf", cli->prefix);
    } else {
        n = snprintf(buf, size, "%s/sluice/sluice.conf", SL_SYSCONFDIR);
    }
    if (n < 0 || (size_t) n >= size) {
        (void) fprintf(stderr, "sluice: configuration path too long\n");
        return NULL;
    }
    if (cli->conf == NULL && access(buf, F_OK) == -1) {
        (void) fprintf(stderr, "sluice: no configuration file: %s does not "
                       "exist (use -c FILE)\n", buf);
        return NULL;
    }
    return buf;
}


static int
sl_cli_test(const char *path, int dump)
{
    sl_cycle_t  *cycle;
    char         err[1200];

    cycle = sl_cycle_load(path, err, sizeof(err));
    if (cycle == NULL) {
        (void) fprintf(stderr, "sluice: %s\n", err);
        (void) fprintf(stderr, "sluice: configuration file %s test failed\n",
                       path);
        return SL_EXIT_CONFIG;
    }
    /* As nginx -t does, find a log that could not be opened now, not at
     * start; unlike it, without creating any. */
    if (sl_cycle_files_check(cycle, sl_log_default) != SL_OK) {
        sl_cycle_destroy(cycle);
        (void) fprintf(stderr, "sluice: configuration file %s test failed\n",
                       path);
        return SL_EXIT_CONFIG;
    }
    sl_cycle_destroy(cycle);
    (void) fprintf(stderr, "sluice: configuration file %s test is successful\n",
                   path);
    if (dump && sl_cycle_dump(path, stdout, err, sizeof(err)) != SL_OK) {
        (void) fprintf(stderr, "sluice: %s\n", err);
        return SL_EXIT_CONFIG;
    }
    return SL_EXIT_OK;
}


static int
sl_cli_signal(const char *path, const char *cmd)
{
    sl_cycle_t  *cycle;
    char         err[1200], buf[32], vpath[PATH_MAX + 8];
    ssize_t      n;
    long         pid, before;
    int          fd;

    cycle = sl_cycle_load(path, err, sizeof(err));
    if (cycle == NULL) {
        (void) fprintf(stderr, "sluice: %s\n", err);
        return SL_EXIT_CONFIG;
    }
    if (cycle->pid_file.len == 0) {
        (void) fprintf(stderr, "sluice: %s sets no pid_file: cannot find the "
                       "master\n", path);
        sl_cycle_destroy(cycle);
        return SL_EXIT_CONFIG;
    }
    fd = open((const char *) cycle->pid_file.data, O_RDONLY | O_CLOEXEC);
    n = fd == -1 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (fd != -1) {
        (void) close(fd);
    }
    pid = n > 0 ? (buf[n] = '\0', strtol(buf, NULL, 10)) : 0;
    if (pid <= 1) {
        (void) fprintf(stderr, "sluice: cannot read a pid from \"%s\": %s\n",
                       cycle->pid_file.data,
                       n == -1 ? strerror(errno) : "empty or invalid");
        sl_cycle_destroy(cycle);
        return SL_EXIT_CONFIG;
    }
    (void) snprintf(vpath, sizeof(vpath), "%s.reload", cycle->pid_file.data);
    sl_cycle_destroy(cycle);
    before = sl_cli_read_verdict(vpath, NULL, 0);
    if (kill((pid_t) pid, sl_signal_from_command(cmd)) == -1) {
        (void) fprintf(stderr, "sluice: cannot signal master %ld: %s\n", pid,
                       strerror(errno));
        return SL_EXIT_CONFIG;
    }
    if (strcmp(cmd, "reload") != 0 || before < 0) {
        return SL_EXIT_OK;   /* no verdict file: a master that writes none */
    }
    return sl_cli_wait_verdict(vpath, before);
}


/*
 * Reads "<n> ok|failed <reason>" from the master's verdict file. Returns
 * n, or -1 when there is no such file; the rest goes to text.
 */
static long
sl_cli_read_verdict(const char *path, char *text, size_t size)
{
    char     buf[SL_CLI_VERDICT_LEN], *end;
    ssize_t  n;
    long     seq;
    int      fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return -1;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    (void) close(fd);
    if (n <= 0) {
        return -1;
    }
    buf[n] = '\0';
    seq = strtol(buf, &end, 10);
    if (text) {
        (void) snprintf(text, size, "%s", *end == ' ' ? end + 1 : end);
        text[strcspn(text, "\n")] = '\0';
    }
    return seq;
}


/* Waits for the master's answer to our HUP: exit 0 if it reloaded. */
static int
sl_cli_wait_verdict(const char *path, long before)
{
    struct timespec  ts = { 0, 50 * 1000000 };
    char             text[SL_CLI_VERDICT_LEN];
    const char      *rest;
    int              i;

    /* The master gives a new generation 10 s to start; allow for that
     * and for loading a large file. */
    for (i = 0; i < 60 * 20; i++) {
        if (sl_cli_read_verdict(path, text, sizeof(text)) != before) {
            rest = sl_cli_after(text, "ok ");
            if (rest != NULL) {
                (void) fprintf(stderr, "sluice: reloaded: %s\n", rest);
                return SL_EXIT_OK;
            }
            rest = sl_cli_after(text, "failed ");
            (void) fprintf(stderr, "sluice: reload refused: %s\n",
                           rest ? rest : text);
            return SL_EXIT_CONFIG;
        }
        (void) nanosleep(&ts, NULL);
    }
    (void) fprintf(stderr, "sluice: no answer from the master in 60 s\n");
    return SL_EXIT_CONFIG;
}


/* What follows prefix in text when text begins with it, else NULL. */
static const char *
sl_cli_after(const char *text, const char *prefix)
{
    size_t  n;

    n = strlen(prefix);
    return strncmp(text, prefix, n) == 0 ? text + n : NULL;
}


/* daemon = true: the classic double step, so we are no session leader. */
static int
sl_cli_daemonize(void)
{
    pid_t  pid;
    int    fd;

    pid = fork();
    if (pid == -1) {
        (void) fprintf(stderr, "sluice: fork() failed: %s\n", strerror(errno));
        return SL_ERROR;
    }
    if (pid > 0) {
        _exit(0);
    }
    if (setsid() == -1) {
        (void) fprintf(stderr, "sluice: setsid() failed: %s\n",
                       strerror(errno));
        return SL_ERROR;
    }
    fd = open("/dev/null", O_RDWR);
    if (fd != -1) {
        (void) dup2(fd, STDIN_FILENO);
        (void) dup2(fd, STDOUT_FILENO);
        if (fd > STDERR_FILENO) {
            (void) close(fd);
        }
    }
    return SL_OK;
}



/* Our binary's path now, so USR2 runs whatever is installed there then. */
static const char *
sl_cli_self_path(void)
{
    char     buf[PATH_MAX];
    ssize_t  n;

    n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) {
        return NULL;
    }
    buf[n] = '\0';
    return strdup(buf);
}


/* The title overwrites argv: USR2 needs the original words. */
static char *const *
sl_cli_copy_argv(int argc, char **argv)
{
    char  **copy;
    int     i;

    copy = calloc((size_t) argc + 1, sizeof(char *));
    if (copy == NULL) {
        return NULL;
    }
    for (i = 0; i < argc; i++) {
        copy[i] = strdup(argv[i]);
        if (copy[i] == NULL) {
            return NULL;
        }
    }
    return copy;
}
