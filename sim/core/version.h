/* The simulator's version, recorded with every run (run.version). */
#ifndef MMLOCKSIM_VERSION_H
#define MMLOCKSIM_VERSION_H

#define MMLOCKSIM_VERSION "0.1.0"

#endif
