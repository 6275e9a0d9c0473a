export { NotFoundError } from '@tracktrove/simulator';
