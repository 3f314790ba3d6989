/*
 * Error lines of the commands.  A message echoes what the user typed
 * (paths, names, option values) and what files hold; a control character
 * in there could rewrite the terminal or split the one line a script
 * reads, so every one is printed escaped.
 */
#ifndef MMLOCKSIM_CLIMSG_H
#define MMLOCKSIM_CLIMSG_H

#include <stdio.h>

/*
 * "mmlocksim CMD: MESSAGE\n" on stderr (CMD NULL: "mmlocksim: MESSAGE"),
 * with the control characters of MESSAGE (newlines included) as \xNN.
 */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s on f with its control characters as \xNN, for messages built in parts. */
void cli_put_escaped(FILE *f, const char *s);

#endif
