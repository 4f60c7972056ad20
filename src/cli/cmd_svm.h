/* nnctl — the `nnctl svm` command line: `svm train` and `svm eval`. */
#ifndef NNCTL_CLI_CMD_SVM_H
#define NNCTL_CLI_CMD_SVM_H

/* Runs `nnctl svm ...`; argv[0] is the subcommand ("train" or "eval"), the rest its options.
 * Prints results to stdout and errors as "nnctl: error: <msg>" to stderr, and returns the
 * process exit code: 0 success, 1 runtime or data failure, 2 bad usage. */
int nn_cli_svm(int argc, char **argv);

#endif
