export { createMongoStore, MongoDeploymentError, type MongoStoreOptions } from './mongo-store.ts';
