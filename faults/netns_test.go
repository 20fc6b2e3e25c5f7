package faults

const helperEnv = "GORUMS_FAULTS_HELPER_ADDR"

func runHelperServer() int { return 0 }
