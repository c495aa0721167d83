module isl/ccaasbuilder

go 1.22
