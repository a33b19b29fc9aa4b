// Replaced by the database template setup (see test/helpers/db.ts).
export default async function setup(): Promise<void> {}
