package main

import "context"

func cmdDev(context.Context, *cliEnv, []string) error   { return errNotYet }
func cmdServe(context.Context, *cliEnv, []string) error { return errNotYet }
