// how many bytes of JS heap the ring's entries hold that a scavenge must copy: heap used after
// 1000 requests minus after 1000 more requests with the log reset in between… simpler: count
// surviving young bytes via v8 heap space stats after a scavenge-only pass is hard; use gc() deltas
