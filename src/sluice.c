/*
 * sluice.c: main and the command line. The one file that sees every layer:
 * it registers the configuration blocks of the higher layers with core,
 * hands the master the worker entry function, and parses the options.
 */
#include "sl_core.h"
#include "sl_cycle.h"
#include "sl_process.h"
#include "sl_signal.h"

#include <getopt.h>

#define SL_EXIT_OK      0
#define SL_EXIT_CONFIG  1
#define SL_EXIT_USAGE   2

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
static sl_int_t sl_worker_register_blocks(void);
static int sl_worker_main(sl_cycle_t *cycle, sl_uint_t index, sl_uint_t slot);


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
    if (sl_worker_register_blocks() != SL_OK) {
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
    sl_process_title_init(argc, argv);
    mc.worker_main = sl_worker_main;
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
    char         err[1200], buf[32];
    ssize_t      n;
    long         pid;
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
    sl_cycle_destroy(cycle);
    if (kill((pid_t) pid, sl_signal_from_command(cmd)) == -1) {
        (void) fprintf(stderr, "sluice: cannot signal master %ld: %s\n", pid,
                       strerror(errno));
        return SL_EXIT_CONFIG;
    }
    return SL_EXIT_OK;
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


static sl_int_t
sl_worker_register_blocks(void)
{
    return SL_OK;
}


/* Interim worker: waits for the master's signals only. */
static int
sl_worker_main(sl_cycle_t *cycle, sl_uint_t index, sl_uint_t slot)
{
    sigset_t   set;
    int        signo;

    sl_signal_handled_set(&set);
    sl_process_worker_ready();
    for (;;) {
        if (sigwait(&set, &signo) != 0) {
            return 1;
        }
        if (signo == SIGQUIT || signo == SIGTERM || signo == SIGINT) {
            return 0;
        }
    }
}
