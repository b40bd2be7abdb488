/** What a `make*Provider` takes: prom-client's configuration, without `registers` (the module's registry). */
export type AppMetricConfiguration<C> = Omit<C, 'registers'>;
