"""Production traffic as evidence: importers of existing call logs, the inventory of which
workloads call which model, and the dated baseline per workload and model."""
