/* A shared object that is not a scheme: it exports no mmlocksim_scheme. */
int mmlocksim_not_a_scheme(void);

int mmlocksim_not_a_scheme(void)
{
	return 42;
}
