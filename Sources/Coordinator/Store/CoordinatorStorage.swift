/// Everything one storage engine provides: the routes' seam, the trainer's
/// and the work queuer's. `StoreFactory` opens one such value at start-up;
/// each consumer then holds it by its own protocol only.
typealias CoordinatorStorage = CoordinatorStore & TrainingStore & WorkQueueingStore
